/**
 * Build the client a benchmark script asked for, checking flags, environment and reachability
 * before any request is sent. Secrets are read here and never printed.
 *
 * @module
 */
import { createBedrockClient, createOpenAiClient, type LlmClient } from "tokenbench";
import { UsageError } from "./_cli.ts";

/** The `--llm-api` values. */
export const LLM_APIS = ["openai", "bedrock"] as const;
/** One of {@link LLM_APIS}. */
export type LlmApi = typeof LLM_APIS[number];

/** A ready client and what the results should say about its endpoint. */
export interface BuiltClient {
  client: LlmClient;
  /** Endpoint URL without credentials (recorded in metadata). */
  endpoint: string;
  /** True when the endpoint is tokenbench's own simulator (it says so at `/_sim/info`). */
  simulated: boolean;
  /** What the simulator reports of itself (behaviour, profile), when simulated. */
  simulator?: Record<string, unknown>;
  close?: () => Promise<void> | void;
}

type Flags = Record<string, string | boolean | undefined>;
const str = (v: string | boolean | undefined) => typeof v === "string" ? v : undefined;

function isLoopback(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\./.test(h);
}

function parseUrl(flag: string, value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return url;
  } catch {
    throw new UsageError(`${flag} is not an http(s) URL: '${value}'`);
  }
}

/** Open and close a TCP connection to the endpoint; a UsageError when it cannot be reached. */
async function checkReachable(flag: string, url: URL): Promise<void> {
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const conn = await Promise.race([
      Deno.connect({ hostname, port }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out after 5 s")), 5000);
      }),
    ]);
    conn.close();
  } catch (err) {
    const reason = (err as Error).message.split("\n")[0].replace(/ \(os error \d+\)$/, "");
    throw new UsageError(`cannot reach ${flag} ${url.origin}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Ask a loopback endpoint whether it is tokenbench's simulator. */
async function probeSimulator(url: URL): Promise<Record<string, unknown> | undefined> {
  if (!isLoopback(url)) return undefined;
  try {
    const res = await fetch(new URL("/_sim/info", url.origin), {
      signal: AbortSignal.timeout(2000),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const info = await res.json();
    return info && info.simulator === "tokenbench" ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Build the client for `api` from flags and environment (env read by the caller's `main`). */
export async function buildClient(
  api: LlmApi,
  flags: Flags,
  env: Record<string, string>,
): Promise<BuiltClient> {
  if (api === "openai") {
    const base = str(flags["base-url"]) ?? env.OPENAI_API_BASE;
    if (!base) {
      throw new UsageError(
        "no endpoint: pass --base-url or set OPENAI_API_BASE (e.g. http://127.0.0.1:8000/v1)",
      );
    }
    const url = parseUrl(flags["base-url"] ? "--base-url" : "OPENAI_API_BASE", base);
    const apiKey = env.OPENAI_API_KEY;
    if (!apiKey && !isLoopback(url)) {
      throw new UsageError(`OPENAI_API_KEY is not set (needed for ${url.origin})`);
    }
    const endpoint = str(flags.endpoint) ?? "chat";
    if (endpoint !== "chat" && endpoint !== "completions") {
      throw new UsageError(`--endpoint must be one of chat, completions, got '${endpoint}'`);
    }
    await checkReachable(flags["base-url"] ? "--base-url" : "OPENAI_API_BASE", url);
    const simulator = await probeSimulator(url);
    url.username = "";
    url.password = "";
    return {
      client: createOpenAiClient({ baseUrl: url.href, apiKey, endpoint }),
      endpoint: url.href,
      simulated: simulator !== undefined,
      simulator,
    };
  }
  // bedrock
  const region = str(flags.region) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError("no AWS region: pass --region or set AWS_REGION");
  const bedrockApi = str(flags["bedrock-api"]) ?? "converse";
  if (bedrockApi !== "converse" && bedrockApi !== "invoke") {
    throw new UsageError(`--bedrock-api must be one of converse, invoke, got '${bedrockApi}'`);
  }
  const endpointText = str(flags["endpoint-url"]) ?? env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
  const url = endpointText
    ? parseUrl(
      flags["endpoint-url"] ? "--endpoint-url" : "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
      endpointText,
    )
    : new URL(`https://bedrock-runtime.${region}.amazonaws.com`);
  const retriesText = str(flags.retries);
  const retries = retriesText === undefined ? 0 : Number(retriesText);
  if (!Number.isInteger(retries) || retries < 0) {
    throw new UsageError(`--retries must be an integer >= 0, got '${retriesText}'`);
  }
  await checkReachable(flags["endpoint-url"] ? "--endpoint-url" : "the Bedrock endpoint", url);
  const simulator = await probeSimulator(url);
  const built = createBedrockClient({ api: bedrockApi, region, endpointUrl: url.href, retries });
  return {
    client: built,
    endpoint: url.href,
    simulated: simulator !== undefined,
    simulator,
  };
}
