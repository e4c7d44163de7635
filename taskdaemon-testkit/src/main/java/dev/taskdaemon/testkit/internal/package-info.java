/** Implementation details of the testkit; not an API. */
package dev.taskdaemon.testkit.internal;
