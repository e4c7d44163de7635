package dev.taskdaemon.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskdaemon.QueueOrder;
import dev.taskdaemon.TaskStatus;
import dev.taskdaemon.internal.MemoryTaskStore;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryTaskStoreTest extends TaskStoreContract {

  @Override
  protected TaskStore newStore() {
    return new MemoryTaskStore(5);
  }

  @Test
  void keepsAtMostMaxFinished_oldestFinishedGoFirst() {
    for (int i = 0; i < 8; i++) {
      insert(task("m" + i, "a", 50));
    }
    store.claim("a", QueueOrder.FIFO, 8, HOST, at(1), at(30));
    for (int i = 0; i < 8; i++) {
      store.write(List.of(new StoreWrite.Finish("m" + i, HOST, TaskStatus.COMPLETED, json("1"), null, null, at(2))));
    }
    for (int i = 0; i < 3; i++) {
      assertThat(store.find("m" + i)).as("m" + i).isEmpty();
    }
    for (int i = 3; i < 8; i++) {
      assertThat(store.find("m" + i)).as("m" + i).isPresent();
    }
  }
}
