/**
 * Latency presets for the simulator (`--profile`): per-request time to first token, decode
 * speed and answer length drawn from distributions fitted to published measurements, so that
 * simulated runs have realistic shapes. Results produced with a profile are still simulated.
 *
 * @module
 */
import { type Random, sampleNormal } from "../core/random.ts";

/** A distribution to draw one number from. */
export type SimDistribution =
  /** `shift + exp(N(ln median, sigma²))`: a log-normal of the given median, moved by `shift`. */
  | { kind: "lognormal"; median: number; sigma: number; shift?: number }
  /** `N(mean, stddev²)` clamped to `[min, max]`. */
  | { kind: "normal"; mean: number; stddev: number; min?: number; max?: number }
  /** With probability `weight` (weights sum to 1), a draw from `distribution`. */
  | {
    kind: "mixture";
    parts: readonly { weight: number; distribution: SimDistribution }[];
  };

/** A latency preset: how one simulated request behaves, as distributions. */
export interface SimProfile {
  /** One-line description. */
  description: string;
  /** Where the numbers come from and how they were fitted. */
  source: string;
  /** Time to first token, ms. */
  ttftMs: SimDistribution;
  /** Decode speed of a request, output tokens per second (`itlMs = 1000 / speed`). */
  outputTokensPerS: SimDistribution;
  /** Answer length the model would choose (the answer is `min(this, max_tokens)`); absent: the
   * answer always runs to `max_tokens`. */
  outputTokens?: SimDistribution;
}

/**
 * The presets. Each was fitted by hand (method of quantiles, checked by a 100 000-draw Monte
 * Carlo of the LLMPerf figures: TTFT, and tokens / end-to-end latency with one token per chunk)
 * to per-request data that is not part of this project:
 *
 * - `bedrock-claude-instant-v1`: the seed run (`ssong1/llmperf-bedrock`, 57 requests,
 *   concurrency 1, 1024 tokens in, max_tokens ~ N(1024, 100), 2024-01-19). TTFT: 50 of 57
 *   requests lie in 1.13–1.35 s, 7 in a tail at 1.44–2.20 s, hence 1100 ms plus a mixture of
 *   log-normals (88 %: median 100 ms, σ 0.5; 12 %: median 720 ms, σ 0.3). A "token" is one
 *   streamed chunk (≈ 1.17 Llama-2 tokens), the unit of the card's throughput table: decode speed
 *   `(chunks − 1) / (last chunk − TTFT)` has mean 87/s and sd 26/s (range 18–133), answer length
 *   mean 469 and sd 226 chunks (53–951; Claude stops before max_tokens). Draws reproduce the
 *   card: TTFT median 1.21 s, mean 1.29, p95 1.87, p99 2.19 (card 1.21, 1.29, 1.89, 2.17);
 *   throughput median 66.6, mean 66.0, p25 53, p75 80, p95 98 tokens/s (card 65.6, 66.0, 57.3,
 *   75.6, 99.7).
 * - `bedrock-llama2-70b`: llmperf-leaderboard `bedrock_70b.json` (101 successful requests,
 *   concurrency 5, 550 in, 150 out, Dec 2023). TTFT 90 %: log-normal median 385 ms, σ 0.07;
 *   10 %: median 550 ms, σ 0.15 (draws: median 0.39, p95 0.56 s; table 0.39, 0.54). Decode
 *   speed N(22.5, 0.9²) clamped to 19.5–23.4 tokens/s (data: median 22.8, p5 20.2).
 * - `groq-llama2-70b`: llmperf-leaderboard `groq_70b.json` (150 requests, same set-up), a fast
 *   provider. TTFT has three modes: 27 % near 179 ms (σ 0.02), 53 % near 221 ms (σ 0.05), 20 %
 *   near 300 ms (σ 0.04) (draws: p25 0.184, median 0.219, p95 0.309 s; data 0.186, 0.222,
 *   0.304). Decode speed N(259, 20²) clamped to 220–295 tokens/s (data: median 271, p5 223).
 */
export const SIM_PROFILES = {
  "bedrock-claude-instant-v1": {
    description: "AWS Bedrock anthropic.claude-instant-v1, 1024 tokens in, concurrency 1",
    source: "seed run ssong1/llmperf-bedrock (57 requests, 2024-01-19), fitted by hand",
    ttftMs: {
      kind: "mixture",
      parts: [
        { weight: 0.88, distribution: { kind: "lognormal", median: 100, sigma: 0.5, shift: 1100 } },
        { weight: 0.12, distribution: { kind: "lognormal", median: 720, sigma: 0.3, shift: 1100 } },
      ],
    },
    outputTokensPerS: { kind: "normal", mean: 87, stddev: 26, min: 15, max: 140 },
    outputTokens: { kind: "normal", mean: 469, stddev: 226, min: 50 },
  },
  "bedrock-llama2-70b": {
    description: "AWS Bedrock meta.llama2-70b-chat-v1, 550 tokens in, concurrency 5",
    source: "llmperf-leaderboard raw_data/individual/bedrock_70b.json (Dec 2023), fitted by hand",
    ttftMs: {
      kind: "mixture",
      parts: [
        { weight: 0.9, distribution: { kind: "lognormal", median: 385, sigma: 0.07 } },
        { weight: 0.1, distribution: { kind: "lognormal", median: 550, sigma: 0.15 } },
      ],
    },
    outputTokensPerS: { kind: "normal", mean: 22.5, stddev: 0.9, min: 19.5, max: 23.4 },
  },
  "groq-llama2-70b": {
    description: "Groq llama2-70b-4096, 550 tokens in, concurrency 5 (a fast provider)",
    source: "llmperf-leaderboard raw_data/individual/groq_70b.json (Dec 2023), fitted by hand",
    ttftMs: {
      kind: "mixture",
      parts: [
        { weight: 0.27, distribution: { kind: "lognormal", median: 179, sigma: 0.02 } },
        { weight: 0.53, distribution: { kind: "lognormal", median: 221, sigma: 0.05 } },
        { weight: 0.2, distribution: { kind: "lognormal", median: 300, sigma: 0.04 } },
      ],
    },
    outputTokensPerS: { kind: "normal", mean: 259, stddev: 20, min: 220, max: 295 },
  },
} as const satisfies Record<string, SimProfile>;

/** Names of {@link SIM_PROFILES}, for `--profile`. */
export const SIM_PROFILE_NAMES = [
  "bedrock-claude-instant-v1",
  "bedrock-llama2-70b",
  "groq-llama2-70b",
] as const satisfies readonly (keyof typeof SIM_PROFILES)[];

/** One of {@link SIM_PROFILE_NAMES}. */
export type SimProfileName = typeof SIM_PROFILE_NAMES[number];

/** One request's behaviour drawn from a profile: fields of `SimBehaviour`. */
export interface SimProfileSample {
  /** Time to first token, ms. */
  ttftMs: number;
  /** Time per output token, ms (`1000 / decode speed`). */
  itlMs: number;
  /** Answer length (positive integer), when the profile has one. */
  outputTokens?: number;
}

function _sample(d: SimDistribution, random: Random): number {
  switch (d.kind) {
    case "lognormal":
      return (d.shift ?? 0) + d.median * Math.exp(sampleNormal(random, 0, d.sigma));
    case "normal":
      return Math.min(
        d.max ?? Infinity,
        Math.max(d.min ?? -Infinity, sampleNormal(random, d.mean, d.stddev)),
      );
    case "mixture": {
      let u = random();
      for (const part of d.parts) {
        if (u < part.weight) return _sample(part.distribution, random);
        u -= part.weight;
      }
      return _sample(d.parts[d.parts.length - 1].distribution, random);
    }
  }
}

/**
 * Draws one request's behaviour from a profile (a name of {@link SIM_PROFILES} or a profile of
 * your own). Pure: all randomness comes from `random`, so a seeded generator gives the same
 * draws; the simulator merges the result into its `SimBehaviour` for that request.
 *
 * @example Draw a claude-instant-v1 request
 * ```ts
 * import { sampleSimProfile } from "./sim_profiles.ts";
 * import { createRandom } from "../core/random.ts";
 * const s = sampleSimProfile("bedrock-claude-instant-v1", createRandom(1));
 * if (!(s.ttftMs > 1100 && s.itlMs > 0 && Number.isInteger(s.outputTokens))) throw new Error();
 * ```
 */
export function sampleSimProfile(
  profile: SimProfileName | SimProfile,
  random: Random,
): SimProfileSample {
  let p: SimProfile;
  if (typeof profile === "string") {
    if (!Object.hasOwn(SIM_PROFILES, profile)) {
      throw new RangeError(
        `Cannot sample simulator profile: 'profile' must be one of ${
          SIM_PROFILE_NAMES.join(", ")
        }, got ${JSON.stringify(profile)}`,
      );
    }
    p = SIM_PROFILES[profile];
  } else {
    p = profile;
  }
  const ttftMs = Math.max(0, _sample(p.ttftMs, random));
  const speed = _sample(p.outputTokensPerS, random);
  if (!(speed > 0)) {
    throw new RangeError(
      `Cannot sample simulator profile: 'outputTokensPerS' must draw positive values, got ${speed}`,
    );
  }
  const sample: SimProfileSample = { ttftMs, itlMs: 1000 / speed };
  if (p.outputTokens) {
    sample.outputTokens = Math.max(1, Math.round(_sample(p.outputTokens, random)));
  }
  return sample;
}
