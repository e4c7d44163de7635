/**
 * The Java handler SDK: write a TaskDaemon handler as a function.
 *
 * <pre>{@code
 * public class Echo {
 *   public static void main(String[] args) {
 *     Handler.serve(task -> task.data());
 *   }
 * }
 * }</pre>
 *
 * <p>{@link dev.taskdaemon.handler.Handler} reads requests from stdin, calls the function, and writes
 * exactly one response per request to stdout; see its documentation for errors, encodings and
 * shutdown. {@link dev.taskdaemon.handler.conformance.Conformance} checks any handler program, in any
 * language, against what the engine relies on.
 */
package dev.taskdaemon.handler;
