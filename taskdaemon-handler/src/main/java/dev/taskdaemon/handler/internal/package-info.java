/** The handler side of the protocol: line reading, request decoding, response encoding. Not API. */
package dev.taskdaemon.handler.internal;
