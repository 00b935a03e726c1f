/**
 * Sweeps in `deno task bench`: `--concurrency 1,4,16,64` or `--rate 1,2,5,10` asks for one run
 * per level ({@link runSweep} in `lib/run/run_sweep.ts` runs them).
 *
 * @module
 */
import { UsageError } from "./flags.ts";
import { parseSweepLevels, type SweepVariable } from "../report/sweep.ts";

/** A sweep asked for on the command line. */
export interface SweepRequest {
  variable: SweepVariable;
  levels: number[];
  /** The flag that gave the list. */
  flag: string;
  model: string;
  resultsDir: string | undefined;
}

type Flags = Record<string, string | boolean | undefined>;

/** The sweep the flags ask for (a list of concurrencies or rates), or null for a single run. */
export function sweepRequest(f: Flags): SweepRequest | null {
  const list = (v: unknown) => typeof v === "string" && v.includes(",");
  const concurrencyFlag = list(f.concurrency)
    ? "concurrency"
    : list(f["num-concurrent-requests"])
    ? "num-concurrent-requests"
    : null;
  const rateList = list(f.rate);
  if (concurrencyFlag === null && !rateList) return null;
  if (concurrencyFlag !== null && rateList) {
    throw new UsageError("sweep one of --concurrency and --rate, not both");
  }
  if (f.shard !== undefined) throw new UsageError("--shard cannot be combined with a sweep");
  if (typeof f.model !== "string" || f.model === "") {
    throw new UsageError("--model is required (e.g. --model gpt-4o-mini)");
  }
  const flag = concurrencyFlag ?? "rate";
  const variable: SweepVariable = concurrencyFlag ? "concurrency" : "rate";
  let levels: number[];
  try {
    levels = parseSweepLevels(f[flag] as string, variable);
  } catch (error) {
    throw new UsageError(`--${flag}: ${(error as Error).message.replace(/^Cannot [^:]+: /, "")}`);
  }
  return {
    variable,
    levels,
    flag,
    model: f.model,
    resultsDir: typeof f["results-dir"] === "string" ? f["results-dir"] : undefined,
  };
}
