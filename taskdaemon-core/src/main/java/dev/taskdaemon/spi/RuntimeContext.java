package dev.taskdaemon.spi;

import java.time.Duration;

/**
 * What a runtime learns about the daemon that uses it.
 *
 * @param daemon the daemon's name
 * @param session a random id of this daemon run
 * @param stopGrace how long an instance gets to exit after its stdin closes, before it is stopped
 */
public record RuntimeContext(String daemon, String session, Duration stopGrace) {}
