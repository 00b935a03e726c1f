import { assertEquals } from "../_assert.ts";
import { scaleFlags } from "../../lib/cli/scale_flags.ts";

const RUN = { concurrency: 1, maxRequests: 10, warmup: 0, seed: 0 };
const cores = navigator.hardwareConcurrency ?? 1;

Deno.test("scaleFlags() gives a closed loop no more Workers than streams, and every core otherwise", () => {
  assertEquals(scaleFlags({}, {}, RUN).workers, 1);
  assertEquals(scaleFlags({}, {}, { ...RUN, concurrency: 64 }).workers, cores);
  // A sweep's largest level decides.
  assertEquals(
    scaleFlags({}, {}, { ...RUN, concurrency: 1, peakConcurrency: 64 }).workers,
    cores,
  );
  // An open loop's in-flight count is not known ahead: every core.
  assertEquals(scaleFlags({}, {}, { ...RUN, rate: 1 }).workers, cores);
  // Asked for, it is what was asked.
  assertEquals(scaleFlags({ workers: "2" }, {}, RUN).workers, 2);
  assertEquals(scaleFlags({ workers: "0" }, {}, { ...RUN, concurrency: 64 }).workers, 0);
});
