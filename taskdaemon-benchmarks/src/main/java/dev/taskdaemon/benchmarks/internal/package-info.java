/** The measurements behind {@link dev.taskdaemon.benchmarks.Benchmarks}. */
package dev.taskdaemon.benchmarks.internal;
