/**
 * The runtime SPI: how a handler definition becomes running instances. Implement {@link
 * dev.taskdaemon.spi.HandlerRuntime} to run handlers somewhere new.
 */
package dev.taskdaemon.spi;
