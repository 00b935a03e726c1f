import { throws } from "node:assert/strict";
import { assert, assertEquals } from "../_assert.ts";
import { createWorkloadBuffer } from "../../lib/run/workload_buffer.ts";
import type { Workload } from "../../lib/core/workload.ts";

/** A workload that records which requests it was asked to make. */
function countingWorkload(fail: (i: number) => boolean = () => false) {
  const made: number[] = [];
  const workload: Workload = {
    kind: "synthetic",
    size: Infinity,
    request(i) {
      made.push(i);
      if (fail(i)) throw new RangeError(`request ${i} cannot be made`);
      return { prompt: `prompt ${i}`, inputTokens: i + 1, maxOutputTokens: 1 };
    },
  };
  return { workload, made };
}

/** A schedule that runs nothing until `run()` is called. */
function manualSchedule() {
  const tasks: (() => void)[] = [];
  return {
    schedule: (fn: () => void) => void tasks.push(fn),
    run() {
      while (tasks.length > 0) tasks.shift()!();
    },
  };
}

Deno.test("createWorkloadBuffer() makes only the next few requests ahead, one per turn", () => {
  const { workload, made } = countingWorkload();
  const turns = manualSchedule();
  const buffer = createWorkloadBuffer(workload, {
    count: 1_000_000,
    lookahead: 3,
    schedule: turns.schedule,
  });
  // Prefilled: the first three, nothing else.
  assertEquals(made, [0, 1, 2]);
  assertEquals(buffer.take(0).prompt, "prompt 0");
  assertEquals(made, [0, 1, 2]); // nothing is made on the request path
  turns.run();
  assertEquals(made, [0, 1, 2, 3]);
  assertEquals(buffer.buffered, 3);
  for (let id = 1; id < 10; id++) {
    assertEquals(buffer.take(id).prompt, `prompt ${id}`);
    turns.run();
  }
  assertEquals(buffer.counts, { hits: 10, misses: 0 });
  // Ahead by at most `lookahead` of the last one taken.
  assertEquals(Math.max(...made), 12);
  assertEquals(new Set(made).size, made.length);
  buffer.close();
  turns.run();
  assertEquals(Math.max(...made), 12);
});

Deno.test("createWorkloadBuffer() makes a shard's ids only, and nothing beyond the run", () => {
  const { workload, made } = countingWorkload();
  const turns = manualSchedule();
  const idAt = (k: number) => 1 + 3 * k; // shard 1 of 3
  const buffer = createWorkloadBuffer(workload, {
    idAt,
    count: 4,
    lookahead: 2,
    schedule: turns.schedule,
  });
  const taken = [];
  for (let k = 0; k < 4; k++) {
    taken.push(buffer.take(idAt(k)).prompt);
    turns.run();
  }
  assertEquals(taken, ["prompt 1", "prompt 4", "prompt 7", "prompt 10"]);
  assertEquals(made, [1, 4, 7, 10]);
  assertEquals(buffer.counts.misses, 0);
});

Deno.test("createWorkloadBuffer() makes a request taken out of order on the spot", () => {
  const { workload, made } = countingWorkload();
  const turns = manualSchedule();
  const buffer = createWorkloadBuffer(workload, { lookahead: 2, schedule: turns.schedule });
  assertEquals(buffer.take(50).prompt, "prompt 50");
  assertEquals(buffer.counts, { hits: 0, misses: 1 });
  assert(made.includes(50));
});

Deno.test("createWorkloadBuffer() throws a prefilled request's error at once, a later one at its take", () => {
  throws(
    () => createWorkloadBuffer(countingWorkload((i) => i === 1).workload, { lookahead: 4 }),
    /request 1 cannot be made/,
  );
  const turns = manualSchedule();
  const buffer = createWorkloadBuffer(countingWorkload((i) => i === 5).workload, {
    lookahead: 2,
    schedule: turns.schedule,
  });
  for (let id = 0; id < 5; id++) {
    buffer.take(id);
    turns.run();
  }
  throws(() => buffer.take(5), /request 5 cannot be made/);
  assertEquals(buffer.take(6).prompt, "prompt 6");
});

Deno.test("createWorkloadBuffer() rejects bad options, naming the value", () => {
  const { workload } = countingWorkload();
  throws(
    () => createWorkloadBuffer(workload, { lookahead: -1 }),
    /'lookahead' must be an integer >= 0, got -1/,
  );
  throws(
    () => createWorkloadBuffer(workload, { count: 1.5 }),
    /'count' must be a non-negative integer or Infinity, got 1.5/,
  );
  throws(() => createWorkloadBuffer({} as Workload), TypeError);
});

Deno.test("createWorkloadBuffer() with idleMs makes nothing while a send is due soon, and comes back after it", async () => {
  const { workload, made } = countingWorkload();
  const turns = manualSchedule();
  let free = 0.5; // a send is due in half a ms
  const buffer = createWorkloadBuffer(workload, {
    count: 1_000_000,
    lookahead: 8,
    schedule: turns.schedule,
    idleMs: () => free,
    minIdleMs: 3,
  });
  assertEquals(made.length, 8); // prefilled before the run
  buffer.take(0);
  turns.run();
  assertEquals(made.length, 8, "nothing made just before a send");
  // After the send, the next one is 20 ms away: the turn that came back makes one.
  free = 20;
  await new Promise((r) => setTimeout(r, 5));
  assertEquals(made.length, 9);
  // A busy run that leaves the buffer low makes its requests anyway (no misses later).
  free = 0;
  for (let id = 1; id < 7; id++) buffer.take(id);
  turns.run();
  await new Promise((r) => setTimeout(r, 5));
  turns.run();
  assert(buffer.buffered >= 2, `buffered ${buffer.buffered}`);
  buffer.close();
  throws(() => createWorkloadBuffer(workload, { minIdleMs: -1 }), /'minIdleMs'.*-1/);
});
