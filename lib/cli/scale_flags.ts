/**
 * The benchmark script's scale and trust flags: `--workers`, `--transport`, `--shard`, `--slo`,
 * `--lens`; and the client-health and small-sample warnings after a run.
 *
 * @module
 */
import { UsageError } from "./flags.ts";
import { SPEC_APIS, type Transport } from "../clients/create_client.ts";
import { parseShard, type ShardPlan, shardPlan } from "../core/shard.ts";
import { goodput, parseSlo, type Slo } from "../core/goodput.ts";
import { checkLensName, type LensName } from "../core/lenses.ts";
import type { RunMetadata } from "../report/run_metadata.ts";
import type { RunSummaryDocument } from "../report/run_report.ts";

/** The `--transport` values. */
export const TRANSPORT_CHOICES = ["auto", "fetch", "http1"] as const;

/** What the scale flags ask for. */
export interface ScaleSettings {
  /** Workers to send from (0: the main thread); 0 for APIs without a client spec. */
  workers: number;
  /** The transport the SSE client (OpenAI, Anthropic, Vertex AI) will use, when it has a choice. */
  transport: Transport | undefined;
  /** This shard's share of the run, with `--shard`. */
  plan?: ShardPlan;
  /** `--slo`. */
  slo?: Slo;
  /** `--lens`, when not the default. */
  lens?: LensName;
  /** What the run's metadata records of these settings. */
  metadata: Partial<RunMetadata>;
}

type Flags = Record<string, string | boolean | undefined>;
const str = (v: string | boolean | undefined) => typeof v === "string" ? v : undefined;

/** APIs whose client can be rebuilt in a Worker from a spec (see `BuiltClient.spec`). */
const _SPEC_APIS: readonly string[] = SPEC_APIS;
/** APIs whose client streams over a `fetch`, so `--transport` applies (with its URL's source). */
const _TRANSPORT_URL: Record<string, (f: Flags, env: Record<string, string>) => string> = {
  openai: (f, env) => str(f["base-url"]) ?? env.OPENAI_API_BASE ?? "",
  anthropic: (f, env) => str(f["base-url"]) ?? env.ANTHROPIC_BASE_URL ?? "https:",
  vertexai: (f) => str(f["base-url"]) ?? "https:",
  bedrock: (f, env) => str(f["endpoint-url"]) ?? env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ?? "https:",
  sagemaker: (f, env) =>
    str(f["endpoint-url"]) ?? env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME ?? "https:",
};

/**
 * Read and check the scale flags (before anything is sent); `run` is the whole run's load.
 * Bad values are a {@link UsageError} naming the flag.
 */
export function scaleFlags(
  f: Flags,
  env: Record<string, string>,
  run: {
    concurrency: number;
    maxRequests: number;
    warmup: number;
    rate?: number;
    seed: number;
    /** The closed loop's highest concurrency (a sweep's largest level). Default `concurrency`. */
    peakConcurrency?: number;
  },
): ScaleSettings {
  const api = str(f["llm-api"]) ?? "openai";
  const cores = navigator.hardwareConcurrency ?? 1;
  const workersText = str(f.workers);
  // A closed loop of N streams needs no more than N Workers: an idle one costs CPU (its timers)
  // and is one more cold client to warm. An open loop's in-flight count is not known ahead.
  const peak = run.rate === undefined ? run.peakConcurrency ?? run.concurrency : Infinity;
  let workers = Math.max(1, Math.min(cores, peak));
  if (workersText !== undefined) {
    workers = Number(workersText);
    if (workersText.trim() === "" || !Number.isInteger(workers) || workers < 0) {
      throw new UsageError(`--workers must be an integer >= 0, got '${workersText}'`);
    }
  }
  if (!_SPEC_APIS.includes(api)) {
    if (workersText !== undefined && workers > 0) {
      console.error(`note: --llm-api ${api} runs on the main thread (--workers is ignored)`);
    }
    workers = 0;
  }
  const choice = str(f.transport) ?? "auto";
  if (!(TRANSPORT_CHOICES as readonly string[]).includes(choice)) {
    throw new UsageError(
      `--transport must be one of ${TRANSPORT_CHOICES.join(", ")}, got '${choice}'`,
    );
  }
  let transport: Transport | undefined;
  const transportUrl = _TRANSPORT_URL[api];
  if (transportUrl !== undefined) {
    const base = transportUrl(f, env);
    const proxied = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"].some((k) => env[k]);
    transport = choice === "auto"
      ? (/^http:\/\//i.test(base) && !proxied ? "http1" : "fetch")
      : choice as Transport;
  } else if (str(f.transport) !== undefined) {
    throw new UsageError(
      `--transport applies to --llm-api ${Object.keys(_TRANSPORT_URL).join(", ")} only, not ${api}`,
    );
  }

  let plan: ShardPlan | undefined;
  const shardText = str(f.shard);
  if (shardText !== undefined) {
    try {
      plan = shardPlan(parseShard(shardText), run);
    } catch (error) {
      throw new UsageError(`--shard: ${(error as Error).message.replace(/^Cannot [^:]+: /, "")}`);
    }
  }
  let slo: Slo | undefined;
  const sloText = str(f.slo);
  const lensText = str(f.lens);
  let lens: LensName | undefined;
  try {
    if (lensText !== undefined) lens = checkLensName(lensText);
  } catch (error) {
    throw new UsageError(`--lens: ${(error as Error).message.replace(/^Cannot [^:]+: /, "")}`);
  }
  if (sloText !== undefined) {
    try {
      slo = parseSlo(sloText);
      // Bounds a metric the lens has per request? (vLLM pools its ITL, for one.)
      goodput([], slo, { wallTimeMs: 0, lens });
    } catch (error) {
      throw new UsageError(`--slo: ${(error as Error).message.replace(/^Cannot [^:]+: /, "")}`);
    }
  }
  const metadata: Partial<RunMetadata> = { workers };
  if (transport !== undefined) metadata.transport = transport;
  if (plan) metadata.shard = plan.shard;
  if (slo) metadata.slo = slo;
  if (lens !== undefined && lens !== "tokenbench") metadata.lens = lens;
  return { workers, transport, plan, slo, lens, metadata };
}

/**
 * After a run: warn on stderr when the client may have limited the measurement or a
 * percentile rests on too few samples, and print the goodput, from the run's `summary.json`.
 */
export async function reportRunHealth(dir: string): Promise<void> {
  let doc: RunSummaryDocument;
  try {
    doc = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
  } catch {
    return;
  }
  const health = doc.clientHealth;
  if (health) {
    const lag = health.loopLagMsP99 === null ? "n/a" : `${health.loopLagMsP99.toFixed(2)} ms`;
    const dispatch = health.dispatchLagMsP99 === null
      ? "n/a"
      : `${health.dispatchLagMsP99.toFixed(2)} ms`;
    console.log(
      `client: ${health.workers === 0 ? "main thread" : `${health.workers} worker(s)`}, ` +
        `event-loop lag p99 ${lag}, dispatch lag p99 ${dispatch}`,
    );
    for (const warning of health.warnings) console.error(`warning: ${warning}`);
  }
  const parts = doc.summary?.ttftParts;
  if (parts && parts.ttftFromSentMs.p50 !== null) {
    const ms = (x: number | null) => x === null ? "n/a" : `${x.toFixed(2)} ms`;
    console.log(
      `TTFT p50 from the send ${ms(parts.ttftFromSentMs.p50)} (client before the send p50 ${
        ms(parts.sendMs.p50)
      }, p99 ${ms(parts.sendMs.p99)}); without the ${parts.coldStarts} cold start(s): TTFT p99 ${
        ms(parts.ttftWarmMs.p99)
      } (all: ${ms(doc.summary.stats.ttftMs.p99)})`,
    );
  }
  const g = doc.goodput;
  if (g) {
    const bounds = Object.entries(g.slo).map(([k, v]) => `${k} <= ${v} ms`).join(", ");
    console.log(
      `goodput (${bounds}): ${g.requestsMeeting} of ${g.numRequestsStarted} requests` +
        (g.share === null ? "" : ` (${(g.share * 100).toFixed(1)}%)`) +
        (g.ratePerS === null ? "" : `, ${g.ratePerS.toFixed(2)} req/s`),
    );
  }
  for (const warning of doc.confidence?.warnings ?? []) console.error(`note: ${warning}`);
}
