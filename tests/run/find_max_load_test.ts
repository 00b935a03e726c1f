import { assert, assertEquals } from "../_assert.ts";
import { findMaxLoad } from "../../lib/run/find_max_load.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";

const SMALL = {
  model: "sim",
  meanInputTokens: 20,
  stddevInputTokens: 0,
  meanOutputTokens: 8,
  stddevOutputTokens: 0,
  gracePeriodS: 0,
} as const;

Deno.test("findMaxLoad() finds the capacity model's highest concurrency meeting a TPOT SLO", async () => {
  // Ground truth (docs/workloads.md): ITL = itlMs × (1 + G × (C − 1)) = 10 × (1 + 0.5 (C − 1)):
  // 25 ms at C = 4, 30 ms at C = 5; the largest C with TPOT ≤ 27.5 ms is
  // ⌊(27.5/10 − 1)/0.5⌋ + 1 = 4 (2.5 ms of margin on either side for the client's noise).
  const expected = Math.floor((27.5 / 10 - 1) / 0.5) + 1;
  await using sim = await startSimulator({
    ttftMs: 5,
    itlMs: 10,
    capacity: { maxBatch: 64, itlGrowth: 0.5 },
  });
  const resultsDir = await Deno.makeTempDir();
  try {
    const found = await findMaxLoad(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
      ...SMALL,
      variable: "concurrency",
      slo: { tpot: 27.5 },
      goodput: 0.9,
      maxRequests: 30,
      resultsDir,
    });
    assert(Math.abs(found.answer! - expected) / expected <= 0.1, found.table);
    assertEquals(found.answer, expected);
    assertEquals(found.failedAt, expected + 1);
    assertEquals(found.ended, "converged");
    // Doubling 1, 2, 4, 8, then bisection 6, 5: each load probed once.
    assertEquals(found.probes.map((p) => p.load), [1, 2, 4, 8, 6, 5]);
    assertEquals(found.probes.map((p) => p.meets), [true, true, true, false, false, false]);
    // 30 requests cannot tell a 0.9 share well (100 wanted): each probe says so.
    assert(found.probes.every((p) => p.note?.includes("want 100")), found.table);
    assert(found.table.includes(`Answer: **${expected} in flight**`), found.table);
    // A folder per probe, and the search's own files.
    for (const p of found.probes) {
      assert(p.dir !== null && (await Deno.stat(`${p.dir}/summary.json`)).isFile, String(p.dir));
    }
    const json = JSON.parse(await Deno.readTextFile(`${found.dir}/search.json`));
    assertEquals(json.answer, expected);
    assert(found.paths.some((p) => p.endsWith("search.md")));
  } finally {
    await Deno.remove(resultsDir, { recursive: true });
  }
});

Deno.test("findMaxLoad() finds the rate of a requests-per-minute quota", async () => {
  // 3000 requests/minute = 50/s, a bucket of 5 (0.1 s, room for the sends of a busy client to
  // bunch a little): a probe of N requests at rate r > 50 gets about 5 + 50 × N / r through,
  // so a share of 0.99 holds up to 50 / (0.99 − 5 / N) ≈ 53.2 requests/s with N = 100: the
  // quota's rate within 7 %.
  await using sim = await startSimulator({
    ttftMs: 2,
    itlMs: 1,
    quota: { rpm: 3000, burstS: 0.1 },
  });
  const found = await findMaxLoad(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
    ...SMALL,
    meanOutputTokens: 4,
    variable: "rate",
    slo: { e2e: 5000 },
    goodput: 0.99,
    maxRequests: 100,
    arrival: "constant",
    start: 32,
    precision: 0.05,
  });
  assert(found.answer !== null && Math.abs(found.answer - 50) / 50 <= 0.1, found.table);
  assert(found.failedAt !== null && found.failedAt > found.answer!);
  assert((found.failedAt! - found.answer!) / found.answer! <= 0.05, found.table);
  assert(found.probes.some((p) => p.errors > 0), "the quota answered 429s");
});

Deno.test("findMaxLoad() rejects bad options before sending anything", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ variable: "speed", slo: { ttft: 1 } }, /'variable' must be rate or concurrency/],
    [{ variable: "rate", slo: {} }, /'slo' must bound at least one metric/],
    [
      { variable: "rate", slo: { ttft: 1 }, goodput: 1.5 },
      /'goodput' must be a share in \(0, 1\], got 1.5/,
    ],
    [
      { variable: "concurrency", slo: { ttft: 1 }, start: 2.5 },
      /'start' must be a positive integer, got 2.5/,
    ],
    [
      { variable: "rate", slo: { ttft: 1 }, start: 5, maxLoad: 2 },
      /need minLoad <= start <= maxLoad/,
    ],
  ];
  for (const [override, message] of cases) {
    let error: Error | null = null;
    try {
      await findMaxLoad(client, { ...SMALL, ...override } as never);
    } catch (e) {
      error = e as Error;
    }
    assert(error !== null && message.test(error.message), String(error));
  }
  assertEquals(sim.log().length, 0);
});
