import { assert, assertEquals } from "../_assert.ts";
import { loopLagStats, startLoopLag } from "../../lib/run/loop_lag.ts";

/** A fake clock and timer queue: `fire()` advances the clock to the next timer and runs it. */
function fakeTimers() {
  let t = 0;
  let pending: { at: number; cb: () => void; id: number } | null = null;
  let nextId = 1;
  const cleared: number[] = [];
  return {
    now: () => t,
    setTimer: (cb: () => void, ms: number) => {
      pending = { at: t + ms, cb, id: nextId++ };
      return pending.id;
    },
    clearTimer: (h: unknown) => {
      cleared.push(h as number);
      pending = null;
    },
    /** Fire the pending timer `lateMs` after it was due. */
    fire(lateMs: number) {
      const p = pending!;
      pending = null;
      t = p.at + lateMs;
      p.cb();
    },
    get pending() {
      return pending;
    },
    cleared,
  };
}

Deno.test("startLoopLag() records how late each timer fired", () => {
  const f = fakeTimers();
  const monitor = startLoopLag({
    intervalMs: 10,
    now: f.now,
    setTimer: f.setTimer,
    clearTimer: f.clearTimer,
  });
  f.fire(0);
  f.fire(3);
  f.fire(0.5);
  assertEquals(monitor.samples(), [0, 3, 0.5]);
  const stats = monitor.stop();
  assertEquals(stats.count, 3);
  assertEquals(stats.maxMs, 3);
  assertEquals(stats.p50Ms, 0.5);
  assert(f.pending === null, "stop() clears the timer");
  assertEquals(monitor.stop().count, 3, "stop() is idempotent");
});

Deno.test("startLoopLag() keeps only the newest maxSamples and reset() forgets", () => {
  const f = fakeTimers();
  const monitor = startLoopLag({
    intervalMs: 5,
    maxSamples: 2,
    now: f.now,
    setTimer: f.setTimer,
    clearTimer: f.clearTimer,
  });
  f.fire(1);
  f.fire(2);
  f.fire(4);
  assertEquals(monitor.samples(), [2, 4]);
  monitor.reset();
  assertEquals(monitor.stats().count, 0);
  f.fire(7);
  assertEquals(monitor.stop().maxMs, 7);
});

Deno.test("loopLagStats() of no samples is all null", () => {
  assertEquals(loopLagStats([]), { count: 0, p50Ms: null, p99Ms: null, maxMs: null });
});

Deno.test("startLoopLag() rejects a bad interval with a RangeError naming it", () => {
  let message = "";
  try {
    startLoopLag({ intervalMs: 0 });
  } catch (err) {
    assert(err instanceof RangeError);
    message = err.message;
  }
  assert(message.includes("'intervalMs'") && message.includes("got 0"), message);
});

Deno.test("startLoopLag() on the real event loop sees a blocked loop", async () => {
  const monitor = startLoopLag({ intervalMs: 2 });
  await new Promise((r) => setTimeout(r, 10));
  const until = performance.now() + 25;
  while (performance.now() < until) Math.sqrt(2);
  await new Promise((r) => setTimeout(r, 10));
  const stats = monitor.stop();
  assert(stats.maxMs! >= 15, `max lag ${stats.maxMs} ms after a 25 ms block`);
});
