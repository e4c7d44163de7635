package dev.taskdaemon.examples.testkit;

/**
 * A thumbnail the resize handler made.
 *
 * @param url where the thumbnail is stored
 * @param width its width in pixels
 * @param height its height in pixels
 */
public record Thumbnail(String url, int width, int height) {}
