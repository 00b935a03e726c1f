/**
 * What a simulator says of itself ({@link SimulatorInfo}, re-exported by `simulator.ts`): served
 * by `GET /_sim/info` and kept as `Simulator.info`.
 *
 * @module
 */
import type { SimBehaviour } from "./sim_plan.ts";
import type { TokenizerName } from "../core/tokenizer.ts";
import type { SimFault } from "./sim_faults.ts";
import type { SimSettings } from "./_sim_options.ts";

/** What a simulator says of itself (`GET /_sim/info`, `Simulator.info`). */
export interface SimulatorInfo {
  /** Always `"tokenbench"`: lets a benchmark tell that its endpoint is simulated. */
  simulator: "tokenbench";
  /** Wire formats served. */
  formats: string[];
  /** Tokenizer of the answers and prompt counts. */
  tokenizer: TokenizerName;
  /** The seed. */
  seed: number;
  /** Output length when a request gives no `max_tokens`. */
  defaultMaxTokens: number;
  /** Requests answered at once, the others wait (`null`: no limit). */
  maxRunning: number | null;
  /** Timing and error behaviour. */
  behaviour: SimBehaviour;
  /** Latency preset in use (`"custom"` for a profile object), or null. */
  profile: string | null;
  /** Rate of wrong answers to correctness prompts. */
  correctnessErrorRate: number;
  /** Injected faults. */
  faults: SimFault[];
  /** The prefix cache (capacity and block, tokens), when there is one. */
  prefixCache?: { capacityTokens: number; blockTokens: number };
  /** The capacity model, when there is one. */
  capacity?: Record<string, number>;
  /** The quotas, when there are any. */
  quota?: Record<string, number>;
}

/**
 * The info of a simulator with these settings (copies: later changes to the options' objects do
 * not show).
 *
 * @example The settings, as `GET /_sim/info` serves them
 * ```ts
 * import { resolveSimOptions } from "./_sim_options.ts";
 * import { simulatorInfo } from "./_sim_info.ts";
 * const info = simulatorInfo(resolveSimOptions({ seed: 7 }));
 * if (info.simulator !== "tokenbench" || info.seed !== 7 || info.profile !== null) {
 *   throw new Error(JSON.stringify(info));
 * }
 * ```
 */
export function simulatorInfo(settings: SimSettings): SimulatorInfo {
  const { profile } = settings;
  return {
    simulator: "tokenbench",
    formats: settings.formats.map((f) => f.name),
    tokenizer: settings.tokenizerName,
    seed: settings.seed,
    defaultMaxTokens: settings.defaultMaxTokens,
    maxRunning: Number.isFinite(settings.maxRunning) ? settings.maxRunning : null,
    behaviour: structuredClone(settings.behaviour),
    profile: typeof profile === "string" ? profile : profile === undefined ? null : "custom",
    correctnessErrorRate: settings.correctnessErrorRate,
    faults: structuredClone([...settings.faults]),
    ...(settings.prefixCache ? { prefixCache: { ...settings.prefixCache } } : {}),
    ...(settings.capacity ? { capacity: { ...settings.capacity } } : {}),
    ...(settings.quota ? { quota: { ...settings.quota } } : {}),
  };
}
