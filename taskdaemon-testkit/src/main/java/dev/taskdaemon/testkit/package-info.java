/**
 * In-process fake handlers for unit tests of code that submits tasks: no Docker, no subprocess.
 *
 * <p>{@link dev.taskdaemon.testkit.FakeHandler} plays a handler program over in-memory pipes with
 * the real wire protocol, records what it receives, and injects {@link dev.taskdaemon.testkit.Fault}s;
 * {@link dev.taskdaemon.testkit.Fakes} puts fakes in place of chosen handlers of a real {@code
 * handlers.toml}. Nothing here depends on a test framework; the optional JUnit extension is in
 * {@link dev.taskdaemon.testkit.junit}.
 */
package dev.taskdaemon.testkit;
