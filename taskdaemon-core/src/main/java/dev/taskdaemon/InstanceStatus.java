package dev.taskdaemon;

import java.time.Duration;

/**
 * One instance of a handler pool at a moment.
 *
 * @param name the instance's name, e.g. {@code resize-2} or {@code resize-2.3} for a replacement
 * @param state where it is in its life
 * @param process how the runtime identifies it: a pid, a container name
 * @param tasksServed attempts it has answered
 * @param age time since it was launched
 */
public record InstanceStatus(String name, InstanceState state, String process, long tasksServed, Duration age) {}
