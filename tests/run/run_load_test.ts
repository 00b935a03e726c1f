import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { type LoadSlot, runLoad } from "../../lib/run/run_load.ts";

/** A promise with its resolve handle, to finish tasks in a chosen order. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Let queued promise callbacks run (a macrotask boundary). */
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/** A fake clock and a sleep that advances it by the asked time plus `overshootMs`. */
function fakeTime(overshootMs = 0) {
  const clock = { t: 1000 };
  return {
    clock,
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.t += ms + overshootMs;
      return Promise.resolve();
    },
  };
}

/** mulberry32, written out here: an injected generator independent of the default one. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("runLoad() rejects bad options naming the value, before any task starts", async () => {
  let calls = 0;
  const task = () => Promise.resolve(calls++);
  await rejects(runLoad(task, { concurrency: 0 }), {
    name: "RangeError",
    message: "Cannot run load: 'concurrency' must be a positive integer, got 0",
  });
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ concurrency: 1.5 }, /'concurrency' .* got 1\.5/],
    [{ rate: 0 }, /'rate' .* got 0/],
    [{ rate: NaN }, /'rate' .* got NaN/],
    [{ rate: 5, arrival: "uniform" }, /'arrival' .* got "uniform"/],
    [{ maxInFlight: 0 }, /'maxInFlight' .* got 0/],
    [{ maxRequests: 0 }, /'maxRequests' .* got 0/],
    [{ maxRequests: -3 }, /'maxRequests' .* got -3/],
    [{ maxRequests: Infinity }, /'maxRequests' must be finite unless 'durationMs' is set/],
    [{ durationMs: 0 }, /'durationMs' .* got 0/],
    [{ warmup: -1 }, /'warmup' .* got -1/],
    [{ warmup: 0.5 }, /'warmup' .* got 0\.5/],
    [{ seed: 1.5 }, /'seed' must be a safe integer, got 1\.5/],
  ];
  for (const [options, message] of bad) {
    await rejects(runLoad(task, options), { name: "RangeError", message }, JSON.stringify(options));
  }
  await rejects(runLoad(task, { sleep: 5 as unknown as () => Promise<void> }), TypeError);
  await rejects(runLoad(42 as unknown as () => Promise<number>), TypeError);
  strictEqual(calls, 0);
});

Deno.test("runLoad() closed loop starts the next request as soon as one completes (no waves)", async () => {
  const n = 4;
  const gates: ReturnType<typeof deferred<number>>[] = [];
  let inFlight = 0;
  let maxSeen = 0;
  const run = runLoad((slot) => {
    inFlight++;
    maxSeen = Math.max(maxSeen, inFlight);
    const gate = deferred<number>();
    gates[slot.requestId] = gate;
    return gate.promise.finally(() => inFlight--);
  }, { concurrency: n, maxRequests: 10 });
  await tick();
  strictEqual(gates.length, 4, "exactly N start at once");
  // Finish requests one at a time in a scrambled order: each completion starts exactly one.
  const order = [2, 0, 5, 1, 3, 7, 4, 6, 9, 8];
  for (const [k, id] of order.entries()) {
    gates[id].resolve(id);
    await tick();
    const started = Math.min(10, n + k + 1);
    strictEqual(gates.length, started, `after ${k + 1} completions`);
    strictEqual(inFlight, started - (k + 1), `in flight after ${k + 1} completions`);
  }
  const result = await run;
  strictEqual(maxSeen, n);
  deepStrictEqual(result.results, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "results in requestId order");
  strictEqual(result.startedCount, 10);
  strictEqual(result.aborted, false);
});

Deno.test("runLoad() closed loop holds N in flight with real timers until the tail", async () => {
  const n = 3;
  let inFlight = 0;
  const inFlightAtStart: number[] = [];
  const durations = [7, 2, 11, 4, 1, 9, 3, 6, 12, 2, 5, 8, 1, 10, 4, 3, 7, 2];
  const { results, startedCount } = await runLoad(async (slot) => {
    inFlightAtStart.push(inFlight++);
    await new Promise((r) => setTimeout(r, durations[slot.requestId]));
    inFlight--;
    return slot.requestId;
  }, { concurrency: n, maxRequests: durations.length });
  strictEqual(startedCount, durations.length);
  strictEqual(results.length, durations.length);
  // The first N start into an emptying pool; every later start replaces one that just ended.
  deepStrictEqual(inFlightAtStart.slice(0, n), [0, 1, 2]);
  for (const [i, before] of inFlightAtStart.entries()) {
    if (i >= n) strictEqual(before, n - 1, `start ${i} found ${before} in flight`);
  }
});

Deno.test("runLoad() never sends more than maxRequests measured requests", async () => {
  for (const [concurrency, maxRequests] of [[3, 7], [10, 3], [1, 1]]) {
    let calls = 0;
    const { results, startedCount } = await runLoad(
      (slot) => Promise.resolve((calls++, slot.requestId)),
      { concurrency, maxRequests },
    );
    strictEqual(calls, maxRequests);
    strictEqual(startedCount, maxRequests);
    deepStrictEqual(results, Array.from({ length: maxRequests }, (_, i) => i));
  }
  const t = fakeTime();
  let calls = 0;
  const open = await runLoad(() => Promise.resolve(calls++), {
    rate: 1000,
    maxRequests: 5,
    now: t.now,
    sleep: t.sleep,
  });
  strictEqual(calls, 5);
  strictEqual(open.startedCount, 5);
  let defaultCalls = 0;
  await runLoad(() => Promise.resolve(defaultCalls++));
  strictEqual(defaultCalls, 10, "default maxRequests is 10");
});

Deno.test("runLoad() open loop schedules absolute times, so lateness does not accumulate", async () => {
  const t = fakeTime(3); // every sleep overshoots by 3 ms
  const slots: LoadSlot[] = [];
  await runLoad((slot) => Promise.resolve(slots.push(slot)), {
    rate: 100,
    arrival: "constant",
    maxRequests: 8,
    now: t.now,
    sleep: t.sleep,
  });
  deepStrictEqual(slots.map((s) => s.intendedSendMs), [0, 10, 20, 30, 40, 50, 60, 70]);
  // Each send is 3 ms late, never 3 ms × i.
  deepStrictEqual(slots.map((s) => s.actualSendMs), [0, 13, 23, 33, 43, 53, 63, 73]);
});

Deno.test("runLoad() open loop at a constant rate sends within a few ms of the intended times", async () => {
  // Real timers. A process descheduled for 100 ms on a busy machine cannot keep any schedule,
  // so the measurement gets three tries; a scheduler that is early or drifts fails all three
  // (the fake-clock test above checks exactly that lateness never accumulates).
  const failures: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const slots: LoadSlot[] = [];
    const sentAt: number[] = [];
    const { wallTimeMs } = await runLoad(async (slot) => {
      sentAt.push(performance.now());
      slots.push(slot);
      await new Promise((r) => setTimeout(r, 25)); // longer than the gap: arrivals overlap
    }, { rate: 100, arrival: "constant", maxRequests: 10 });
    deepStrictEqual(slots.map((s) => s.intendedSendMs), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const lateness = slots.map((s) => s.actualSendMs - s.intendedSendMs);
    const span = sentAt[9] - sentAt[0];
    const median = [...lateness].sort((a, b) => a - b)[5];
    const problems = [
      lateness.every((late) => late >= 0) ? "" : "early",
      median < 5 ? "" : `median ${median} ms late`,
      lateness.every((late) => late < 25) ? "" : "a send over 25 ms late",
      span >= 89.5 && span < 110 ? "" : `span ${span} ms, expected 90`,
      wallTimeMs >= 90 + 25 - 1 && wallTimeMs < 90 + 25 + 35 ? "" : `wallTimeMs ${wallTimeMs}`,
    ].filter(Boolean);
    if (problems.length === 0) return;
    failures.push(`${problems.join(", ")}; lateness ${lateness.map((x) => x.toFixed(2))}`);
  }
  throw new Error(`three tries failed:\n${failures.join("\n")}`);
});

Deno.test("runLoad() Poisson arrivals have exponential gaps with mean 1/rate", async () => {
  const t = fakeTime();
  const intended: number[] = [];
  const count = 4000;
  await runLoad((slot) => Promise.resolve(intended.push(slot.intendedSendMs)), {
    rate: 50,
    maxRequests: count,
    random: seeded(7),
    now: t.now,
    sleep: t.sleep,
  });
  strictEqual(intended[0], 0);
  const gaps = intended.slice(1).map((x, i) => x - intended[i]);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / (gaps.length - 1));
  ok(Math.abs(mean - 20) < 1, `mean gap ${mean} ms, expected 20`); // 1 ms ≈ 3 standard errors
  ok(Math.abs(sd / mean - 1) < 0.1, `coefficient of variation ${sd / mean}, expected 1`);
  ok(gaps.every((g) => g >= 0));
});

Deno.test("runLoad() Poisson arrivals without `random` are reproducible from `seed`", async () => {
  const schedule = async (seed?: number) => {
    const t = fakeTime();
    const intended: number[] = [];
    await runLoad((slot) => Promise.resolve(intended.push(slot.intendedSendMs)), {
      rate: 10,
      maxRequests: 20,
      seed,
      now: t.now,
      sleep: t.sleep,
    });
    return intended;
  };
  deepStrictEqual(await schedule(3), await schedule(3));
  deepStrictEqual(await schedule(), await schedule(0));
  const a = await schedule(3), b = await schedule(4);
  ok(a.some((x, i) => x !== b[i]), "different seeds give different schedules");
  const gaps = new Set(a.slice(1).map((x, i) => x - a[i]));
  ok(gaps.size > 10, "gaps vary");
});

Deno.test("runLoad() open loop respects maxInFlight and records the wait in actualSendMs", async () => {
  const t = fakeTime();
  const gates: ReturnType<typeof deferred<void>>[] = [];
  const slots: LoadSlot[] = [];
  let inFlight = 0;
  let maxSeen = 0;
  const run = runLoad((slot) => {
    slots.push(slot);
    maxSeen = Math.max(maxSeen, ++inFlight);
    const gate = deferred<void>();
    gates.push(gate);
    return gate.promise.finally(() => inFlight--);
  }, {
    rate: 1000,
    arrival: "constant",
    maxInFlight: 2,
    maxRequests: 5,
    now: t.now,
    sleep: t.sleep,
  });
  await tick();
  strictEqual(slots.length, 2, "the third arrival waits for a free slot");
  t.clock.t += 50;
  gates[0].resolve();
  await tick();
  strictEqual(slots.length, 3);
  strictEqual(slots[2].intendedSendMs, 2);
  strictEqual(slots[2].actualSendMs, 52, "the wait shows in actualSendMs");
  // The backlog keeps its absolute targets: the fourth arrival is also due and waits.
  gates[1].resolve();
  await tick();
  strictEqual(slots[3].intendedSendMs, 3);
  strictEqual(slots[3].actualSendMs, 52);
  gates[2].resolve();
  gates[3].resolve();
  await tick();
  gates[4].resolve();
  const result = await run;
  strictEqual(maxSeen, 2);
  strictEqual(result.startedCount, 5);
});

Deno.test("runLoad() stops launching after durationMs", async () => {
  // Closed loop: each request takes 10 ms of fake time; the budget is 35 ms.
  const t = fakeTime();
  const closed = await runLoad((slot) => {
    t.clock.t += 10;
    return Promise.resolve(slot.actualSendMs);
  }, { concurrency: 1, maxRequests: 100, durationMs: 35, now: t.now });
  deepStrictEqual(closed.results, [0, 10, 20, 30]);
  strictEqual(closed.wallTimeMs, 40);
  // Open loop: arrivals every 10 ms; the one due at 40 ms is past the budget.
  const u = fakeTime();
  const open = await runLoad((slot) => Promise.resolve(slot.intendedSendMs), {
    rate: 100,
    arrival: "constant",
    durationMs: 35,
    maxRequests: Infinity,
    now: u.now,
    sleep: u.sleep,
  });
  deepStrictEqual(open.results, [0, 10, 20, 30]);
  // With real timers, maxRequests: Infinity ends by the time budget.
  const real = await runLoad(
    (slot) => new Promise<number>((r) => setTimeout(() => r(slot.actualSendMs), 5)),
    { concurrency: 2, maxRequests: Infinity, durationMs: 30 },
  );
  ok(real.startedCount >= 2 && real.startedCount <= 14, `started ${real.startedCount}`);
  ok(real.results.every((sent) => sent < 30), "nothing launched after the budget");
});

Deno.test("runLoad() abort stops launching and aborts in-flight tasks (closed loop)", async () => {
  const controller = new AbortController();
  let calls = 0;
  const run = runLoad((slot) => {
    calls++;
    return new Promise<string>((resolve) => {
      slot.signal.addEventListener("abort", () => resolve("cancelled"), { once: true });
    });
  }, { concurrency: 3, maxRequests: 100, signal: controller.signal });
  await tick();
  strictEqual(calls, 3);
  controller.abort();
  const result = await run;
  strictEqual(calls, 3);
  deepStrictEqual(result.results, ["cancelled", "cancelled", "cancelled"]);
  strictEqual(result.startedCount, 3);
  strictEqual(result.aborted, true);
});

Deno.test("runLoad() abort wakes an open loop that is waiting for its next arrival", async () => {
  const controller = new AbortController();
  const signals: AbortSignal[] = [];
  const started = performance.now();
  setTimeout(() => controller.abort(), 30);
  const result = await runLoad((slot) => {
    signals.push(slot.signal);
    return new Promise<void>((resolve) => {
      if (slot.signal.aborted) resolve();
      slot.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }, { rate: 2, arrival: "constant", maxRequests: 10, signal: controller.signal });
  const elapsed = performance.now() - started;
  ok(elapsed < 400, `returned ${elapsed} ms after start, not after the 500 ms gap`);
  strictEqual(result.startedCount, 1);
  strictEqual(result.aborted, true);
  ok(signals.every((s) => s.aborted));
});

Deno.test("runLoad() with an already aborted signal starts nothing", async () => {
  let calls = 0;
  const result = await runLoad(() => Promise.resolve(calls++), {
    warmup: 2,
    signal: AbortSignal.abort(),
  });
  strictEqual(calls, 0);
  deepStrictEqual(result, {
    results: [],
    startedCount: 0,
    warmupCount: 0,
    wallTimeMs: 0,
    aborted: true,
  });
});

Deno.test("runLoad() tolerates an injected sleep that rejects on abort", async () => {
  const controller = new AbortController();
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const id = setTimeout(resolve, ms);
      signal?.addEventListener("abort", () => {
        clearTimeout(id);
        reject(signal.reason);
      }, { once: true });
    });
  setTimeout(() => controller.abort(), 20);
  const result = await runLoad(() => Promise.resolve(1), {
    rate: 1,
    arrival: "constant",
    maxRequests: 3,
    sleep,
    signal: controller.signal,
  });
  strictEqual(result.startedCount, 1);
  strictEqual(result.aborted, true);
});

Deno.test("runLoad() runs warm-up first, flags it, and leaves it out of the counts", async () => {
  const t = fakeTime();
  const slots: LoadSlot[] = [];
  let warmupsDone = 0;
  const result = await runLoad((slot) => {
    if (slot.phase === "measure") strictEqual(warmupsDone, 3, "warm-up awaited first");
    slots.push(slot);
    t.clock.t += 10;
    return Promise.resolve(slot.phase);
  }, {
    concurrency: 2,
    warmup: 3,
    maxRequests: 4,
    now: t.now,
    onSettled: (_r, slot) => {
      if (slot.phase === "warmup") warmupsDone++;
    },
  });
  strictEqual(result.warmupCount, 3);
  strictEqual(result.startedCount, 4);
  deepStrictEqual(result.results, [
    "warmup",
    "warmup",
    "warmup",
    "measure",
    "measure",
    "measure",
    "measure",
  ]);
  deepStrictEqual(slots.map((s) => s.requestId), [0, 1, 2, 3, 4, 5, 6]);
  // Measured send times are relative to the measurement start, after the warm-up.
  strictEqual(slots[3].actualSendMs, 0);
  strictEqual(result.wallTimeMs, 40);
});

Deno.test("runLoad() open loop warms up closed-loop at `concurrency`", async () => {
  const t = fakeTime();
  let inFlight = 0;
  let maxWarm = 0;
  const result = await runLoad(async (slot) => {
    inFlight++;
    if (slot.phase === "warmup") maxWarm = Math.max(maxWarm, inFlight);
    await tick();
    inFlight--;
    return slot.phase;
  }, { rate: 1000, concurrency: 2, warmup: 5, maxRequests: 3, now: t.now, sleep: t.sleep });
  strictEqual(maxWarm, 2);
  strictEqual(result.warmupCount, 5);
  deepStrictEqual(result.results.slice(5), ["measure", "measure", "measure"]);
});

Deno.test("runLoad() calls onSettled once per request, in completion order", async () => {
  const seen: [number, number][] = [];
  const gates: ReturnType<typeof deferred<number>>[] = [];
  const run = runLoad((slot) => {
    const gate = deferred<number>();
    gates[slot.requestId] = gate;
    return gate.promise;
  }, {
    concurrency: 3,
    maxRequests: 3,
    onSettled: (result, slot) => seen.push([result, slot.requestId]),
  });
  await tick();
  gates[2].resolve(20);
  gates[0].resolve(0);
  gates[1].resolve(10);
  const { results } = await run;
  deepStrictEqual(seen, [[20, 2], [0, 0], [10, 1]]);
  deepStrictEqual(results, [0, 10, 20]);
});

Deno.test("runLoad() finishes the run when a task throws, then rejects with every error", async () => {
  const settled: number[] = [];
  let calls = 0;
  const run = runLoad((slot) => {
    calls++;
    if (slot.requestId === 1) throw new Error("sync bug");
    if (slot.requestId === 4) return Promise.reject(new Error("async bug"));
    return new Promise<number>((r) => setTimeout(() => r(slot.requestId), 2));
  }, { concurrency: 2, maxRequests: 8, onSettled: (r) => settled.push(r) });
  const error = await run.then(() => null, (e) => e);
  ok(error instanceof AggregateError);
  ok(/2 error\(s\).*first: sync bug/.test(error.message), error.message);
  deepStrictEqual(error.errors.map((e: Error) => e.message), ["sync bug", "async bug"]);
  strictEqual(calls, 8, "the load shape went on");
  deepStrictEqual(settled.sort((a, b) => a - b), [0, 2, 3, 5, 6, 7]);
});

Deno.test("runLoad() treats a throwing onSettled like a throwing task", async () => {
  let calls = 0;
  await rejects(
    runLoad(() => Promise.resolve(calls++), {
      maxRequests: 3,
      onSettled: () => {
        throw new Error("append failed");
      },
    }),
    (e: unknown) => e instanceof AggregateError && e.errors.length === 3,
  );
  strictEqual(calls, 3);
});

Deno.test("runLoad() stops launching when an injected effect breaks, and reports it", async () => {
  const t = fakeTime();
  let calls = 0;
  await rejects(
    runLoad(() => Promise.resolve(calls++), {
      rate: 10,
      maxRequests: 5,
      random: () => 1, // outside [0, 1)
      now: t.now,
      sleep: t.sleep,
    }),
    (e: unknown) =>
      e instanceof AggregateError && /'random' must return a number in \[0, 1\), got 1/.test(
        String((e.errors[0] as Error).message),
      ),
  );
  strictEqual(calls, 1, "the first arrival needs no gap");
  calls = 0;
  await rejects(
    runLoad(() => Promise.resolve(calls++), {
      rate: 10,
      arrival: "constant",
      maxRequests: 5,
      sleep: () => Promise.reject(new Error("broken sleep")),
    }),
    (e: unknown) => e instanceof AggregateError && /broken sleep/.test(e.message),
  );
  strictEqual(calls, 1);
});

Deno.test("runLoad() open loop with leadMs hands each arrival over early, by the lead", async () => {
  const { now, sleep } = fakeTime();
  const slots: LoadSlot[] = [];
  const { wallTimeMs } = await runLoad((slot) => {
    slots.push(slot);
    return Promise.resolve();
  }, { rate: 100, arrival: "constant", maxRequests: 4, leadMs: 3, now, sleep });
  deepStrictEqual(slots.map((s) => s.intendedSendMs), [0, 10, 20, 30]);
  // The first is due at the start (no time to hand it early); the others 3 ms ahead.
  deepStrictEqual(slots.map((s) => s.intendedSendMs - s.actualSendMs), [0, 3, 3, 3]);
  // The run starts at the first due send, not at a hand-over.
  ok(wallTimeMs <= 30, `wallTimeMs ${wallTimeMs}`);
  await rejects(() => runLoad(() => Promise.resolve(), { rate: 1, leadMs: -1 }), /'leadMs'/);
});

Deno.test("runLoad() with a schedule sends each request at its time and stops where it ends", async () => {
  const due = [0, 30, 30, 75, 120];
  const t0 = performance.now();
  const sent: number[] = [];
  const { results, startedCount } = await runLoad(
    (slot) => {
      sent.push(performance.now() - t0);
      return Promise.resolve(slot);
    },
    { schedule: (k) => due[k], maxRequests: 100 },
  );
  deepStrictEqual(startedCount, 5);
  results.forEach((slot, k) => {
    deepStrictEqual(slot.intendedSendMs, due[k]);
    deepStrictEqual(slot.phase, "measure");
    ok(slot.actualSendMs >= slot.intendedSendMs - 1.5, `${k}: ${slot.actualSendMs}`);
    ok(slot.actualSendMs - slot.intendedSendMs < 25, `${k} late: ${slot.actualSendMs}`);
  });
  // A time before the previous one is taken as the previous one; maxRequests still caps.
  const capped = await runLoad((slot) => Promise.resolve(slot.intendedSendMs), {
    schedule: (k) => [5, 1, 8][k],
    maxRequests: 2,
  });
  deepStrictEqual(capped.results, [5, 5]);
  await rejects(() => runLoad(() => Promise.resolve(0), { schedule: () => NaN }), AggregateError);
});
