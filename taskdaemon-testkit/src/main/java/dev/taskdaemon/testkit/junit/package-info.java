/**
 * A JUnit Jupiter extension that starts a daemon with fakes around each test (or each test class),
 * closes it afterwards, and fails tests that leave tasks unfinished. Needs {@code
 * org.junit.jupiter:junit-jupiter-api} on the test class path; the rest of the testkit does not.
 */
package dev.taskdaemon.testkit.junit;
