package dev.taskdaemon.docker;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that needs a real Docker engine and the {@code taskdaemon-test/busybox} image: skipped
 * with the reason when none is reachable, failed instead when {@code TASKDAEMON_REQUIRE_DOCKER=1}.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("docker")
@ExtendWith(DockerEngineCondition.class)
@interface DockerTest {}
