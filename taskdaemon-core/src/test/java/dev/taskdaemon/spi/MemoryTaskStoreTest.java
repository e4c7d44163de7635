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

  @Test
  void keepsAtMostMaxFinishedBytes_ofDataAndResults_oldestFinishedGoFirst() {
    // Each task holds 40 bytes of data and a 60-byte result: three fit in 300 bytes, the fourth pushes the first out.
    MemoryTaskStore small = new MemoryTaskStore(1000, 300);
    byte[] data = json("\"" + "d".repeat(38) + "\"");
    byte[] result = json("\"" + "r".repeat(58) + "\"");
    for (int i = 0; i < 5; i++) {
      small.write(List.of(new StoreWrite.Insert(StoredTask.newTask("b" + i, "a", data, 50, null, null, at(0), null, null, null))));
    }
    small.claim("a", QueueOrder.FIFO, 5, HOST, at(1), at(30));
    for (int i = 0; i < 5; i++) {
      small.write(List.of(new StoreWrite.Finish("b" + i, HOST, TaskStatus.COMPLETED, result, null, null, at(2))));
    }
    assertThat(small.find("b0")).isEmpty();
    assertThat(small.find("b1")).isEmpty();
    for (int i = 2; i < 5; i++) {
      assertThat(small.find("b" + i)).as("b" + i).hasValueSatisfying(t -> assertThat(t.resultJson()).isEqualTo(result));
    }
    // Deleting a finished row gives its bytes back: two more fit before anything else goes.
    assertThat(small.delete("b2")).isTrue();
    small.write(List.of(new StoreWrite.Insert(StoredTask.newTask("b5", "a", data, 50, null, null, at(3), null, null, null))));
    small.claim("a", QueueOrder.FIFO, 1, HOST, at(3), at(30));
    small.write(List.of(new StoreWrite.Finish("b5", HOST, TaskStatus.COMPLETED, result, null, null, at(4))));
    assertThat(small.find("b3")).isPresent();
    assertThat(small.find("b5")).isPresent();
  }
}
