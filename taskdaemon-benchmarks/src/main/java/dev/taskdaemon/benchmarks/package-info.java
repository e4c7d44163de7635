/**
 * The benchmark tool: {@link dev.taskdaemon.benchmarks.Benchmarks} runs every measurement and
 * prints the ratios. Not a library: nothing here is published.
 */
package dev.taskdaemon.benchmarks;
