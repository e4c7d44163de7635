/**
 * The {@code docker} runtime: handler pools of containers started with {@code docker run -i}. See
 * {@link dev.taskdaemon.docker.DockerRuntime}.
 */
package dev.taskdaemon.docker;
