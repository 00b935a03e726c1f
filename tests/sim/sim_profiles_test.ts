import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import {
  sampleSimProfile,
  SIM_PROFILE_NAMES,
  SIM_PROFILES,
  type SimProfile,
  type SimProfileName,
} from "../../lib/sim/sim_profiles.ts";
import { createRandom } from "../../lib/core/random.ts";
import { quantile } from "../../lib/core/quantile.ts";

/** Reference data beside the project (never copied into it); absent: the comparison is skipped. */
const REFERENCE = new URL("../../raw_data/", import.meta.url);
const SEED_FILE = new URL(
  "seed/bedrock-anthropic-claude-instant-v1_1024_0_1024_100_individual_responses.json",
  REFERENCE,
);
const LEADERBOARD = new URL("llmperf-leaderboard/individual/", REFERENCE);

function hasReference(): boolean {
  try {
    Deno.statSync(SEED_FILE);
    return true;
  } catch {
    return false;
  }
}

interface LlmperfRow {
  error_code: number | null;
  ttft_s: number;
  end_to_end_latency_s: number;
  number_output_tokens: number;
  request_output_throughput_token_per_s: number;
}

function readRows(url: URL): LlmperfRow[] {
  return (JSON.parse(Deno.readTextFileSync(url)) as LlmperfRow[]).filter((r) =>
    r.error_code === null
  );
}

/** Simulated TTFT (s) and LLMPerf-style throughput `n / e2e` (tokens/s, one token per chunk). */
function simulate(name: SimProfileName, maxTokens: () => number, draws = 20_000) {
  const random = createRandom(2024);
  const ttft: number[] = [];
  const throughput: number[] = [];
  for (let i = 0; i < draws; i++) {
    const s = sampleSimProfile(name, random);
    const n = Math.min(s.outputTokens ?? Infinity, maxTokens());
    ttft.push(s.ttftMs / 1000);
    throughput.push(n / ((s.ttftMs + (n - 1) * s.itlMs) / 1000));
  }
  return { ttft, throughput };
}

function assertQuantilesNear(
  simulated: number[],
  measured: number[],
  tolerances: Record<number, number>,
  what: string,
) {
  for (const [q, relative] of Object.entries(tolerances)) {
    const want = quantile(measured, Number(q))!;
    const got = quantile(simulated, Number(q))!;
    assertAlmostEquals(
      got,
      want,
      want * relative,
      `${what} p${Number(q) * 100}: ${got} vs ${want}`,
    );
  }
}

Deno.test("sampleSimProfile() is reproducible from a seed and gives positive timings", () => {
  for (const name of SIM_PROFILE_NAMES) {
    const a = createRandom(9), b = createRandom(9);
    const first = Array.from({ length: 50 }, () => sampleSimProfile(name, a));
    assertEquals(first, Array.from({ length: 50 }, () => sampleSimProfile(name, b)));
    for (const s of first) {
      assert(s.ttftMs > 0 && s.itlMs > 0 && Number.isFinite(s.itlMs), JSON.stringify(s));
      if (s.outputTokens !== undefined) {
        assert(Number.isInteger(s.outputTokens) && s.outputTokens >= 1);
      }
    }
    assert(new Set(first.map((s) => s.ttftMs)).size > 40, `${name} varies between requests`);
  }
  assertEquals(Object.keys(SIM_PROFILES).sort(), [...SIM_PROFILE_NAMES].sort());
});

Deno.test("sampleSimProfile() accepts a profile of one's own and rejects unknown names", async () => {
  const fixed: SimProfile = {
    description: "fixed",
    source: "test",
    ttftMs: { kind: "normal", mean: 100, stddev: 0 },
    outputTokensPerS: { kind: "lognormal", median: 50, sigma: 0 },
    outputTokens: { kind: "normal", mean: 7.4, stddev: 0 },
  };
  assertEquals(sampleSimProfile(fixed, createRandom(1)), {
    ttftMs: 100,
    itlMs: 20,
    outputTokens: 7,
  });
  await assertRejects(
    () => sampleSimProfile("nope" as SimProfileName, createRandom(1)),
    RangeError,
    "'profile' must be one of",
  );
});

Deno.test({
  name: "bedrock-claude-instant-v1 profile reproduces the seed run's TTFT and throughput shape",
  ignore: !hasReference(),
  fn() {
    const rows = readRows(SEED_FILE);
    const random = createRandom(1);
    // The seed asked for max_tokens ~ N(1024, 100).
    const { ttft, throughput } = simulate(
      "bedrock-claude-instant-v1",
      () =>
        Math.round(
          1024 + 100 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()),
        ),
    );
    assertQuantilesNear(ttft, rows.map((r) => r.ttft_s), {
      0.25: 0.03,
      0.5: 0.03,
      0.75: 0.03,
      0.95: 0.05,
    }, "TTFT");
    // The card's throughput column is the stored field: streamed chunks / end-to-end latency.
    assertQuantilesNear(
      throughput,
      rows.map((r) => r.request_output_throughput_token_per_s),
      { 0.25: 0.1, 0.5: 0.05, 0.75: 0.1, 0.95: 0.05 },
      "throughput",
    );
  },
});

Deno.test({
  name: "leaderboard profiles reproduce the 70B runs' TTFT and throughput medians",
  ignore: !hasReference(),
  fn() {
    const cases: [SimProfileName, string][] = [
      ["bedrock-llama2-70b", "bedrock_70b.json"],
      ["groq-llama2-70b", "groq_70b.json"],
    ];
    for (const [name, file] of cases) {
      const rows = readRows(new URL(file, LEADERBOARD));
      const { ttft, throughput } = simulate(name, () => 150);
      assertQuantilesNear(ttft, rows.map((r) => r.ttft_s), {
        0.25: 0.05,
        0.5: 0.03,
        0.75: 0.05,
        0.95: 0.05,
      }, `${name} TTFT`);
      assertQuantilesNear(
        throughput,
        rows.map((r) => r.number_output_tokens / r.end_to_end_latency_s),
        { 0.25: 0.03, 0.5: 0.03, 0.75: 0.03 },
        `${name} throughput`,
      );
    }
  },
});
