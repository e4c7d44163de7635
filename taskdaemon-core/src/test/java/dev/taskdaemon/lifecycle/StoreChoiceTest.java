package dev.taskdaemon.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskdaemon.ConfigException;
import dev.taskdaemon.StoreException;
import dev.taskdaemon.TaskDaemon;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Choosing a store: the default, a store that is not on the class path, bad store keys. */
class StoreChoiceTest {

  @Test
  void theDefaultStore_isInMemory() {
    try (TaskDaemon d = TaskDaemon.builder().handler("echo", h -> h.command("cat")).start()) {
      assertThat(d.store()).isEqualTo("memory");
    }
  }

  @Test
  void aStoreNotOnTheClassPath_isRefusedNamingTheModule_andStartsNoThread() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    assertThatThrownBy(() -> TaskDaemon.builder().fromTomlString("[daemon]\nstore = \"cassandra\"\n"
        + "[handlers.echo]\ncommand = [\"cat\"]\n", "t.toml").start())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("no task store named 'cassandra'")
        .hasMessageContaining("dev.taskdaemon:taskdaemon-store-cassandra")
        .hasMessageContaining("memory");
    assertThat(Thread.getAllStackTraces().keySet()).allSatisfy(t ->
        assertThat(before.contains(t) || !t.getName().startsWith("td-")).as(t.getName()).isTrue());
  }

  @Test
  void badStoreKeys_areReportedWithTheirLines() {
    assertThatThrownBy(() -> TaskDaemon.builder().fromTomlString("[daemon]\nstore = \"SQLite!\"\n"
        + "store_url = \"postgres://x\"\nstore_password_env = \"1BAD\"\nretention = 0\n"
        + "[handlers.echo]\ncommand = [\"cat\"]\n", "t.toml").validate())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("t.toml:2:1: daemon.store = \"SQLite!\"")
        .hasMessageContaining("t.toml:3:1: daemon.store_url")
        .hasMessageContaining("t.toml:4:1: daemon.store_password_env")
        .hasMessageContaining("t.toml:5:1: daemon.retention");
  }

  @Test
  void aPasswordInTheUrl_isRefused_soItNeverSitsInTheFile() {
    assertThatThrownBy(() -> TaskDaemon.builder().storeUrl("jdbc:postgresql://db/x?password=hunter2"))
        .hasMessageContaining("store_url")
        .hasMessageContaining("without a password")
        .hasMessageContaining("store_password_env")
        .hasMessageNotContaining("hunter2");
  }
}
