/**
 * The {@code docker} runtime: handler pools of containers, reached through the engine's API or the
 * {@code docker} CLI. See {@link dev.taskdaemon.docker.DockerRuntime}.
 */
package dev.taskdaemon.docker;
