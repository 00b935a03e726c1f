/**
 * Build the client a benchmark script asked for, checking flags, environment and reachability
 * before any request is sent. Secrets are read here and never printed.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import { createOpenAiClient } from "../clients/openai_client.ts";
import type { ClientSpec } from "../clients/create_client.ts";
import { ANTHROPIC_BASE_URL, createAnthropicClient } from "../clients/anthropic_client.ts";
import { createVertexClient, VERTEX_DEFAULT_REGION } from "../clients/vertex_client.ts";
import { SAGEMAKER_PAYLOADS } from "../wire/sagemaker.ts";
import { UsageError } from "./flags.ts";
import { redactSecrets, secretsFromUrl } from "../core/redact_secrets.ts";

// The Bedrock and SageMaker clients are imported when asked for: the AWS SDK reads the
// environment as it loads, and the commands without a client run without --allow-env.

/** The `--llm-api` values. */
export const LLM_APIS = ["openai", "bedrock", "anthropic", "sagemaker", "vertexai"] as const;

/** The endpoint flags of every `--llm-api` (for `parseArgs`), shared by the scripts. */
export const CLIENT_FLAGS = {
  "base-url": { type: "string" },
  endpoint: { type: "string" },
  "bedrock-api": { type: "string" },
  region: { type: "string" },
  "endpoint-url": { type: "string" },
  retries: { type: "string" },
  "anthropic-version": { type: "string" },
  "sagemaker-payload": { type: "string" },
  "custom-attributes": { type: "string" },
  project: { type: "string" },
  "access-token": { type: "string" },
} as const;

/** Help text of {@link CLIENT_FLAGS}, with every default. */
export const CLIENT_HELP = `OpenAI-compatible (--llm-api openai):
  --base-url URL                     default $OPENAI_API_BASE; key from $OPENAI_API_KEY
  --endpoint chat|completions|responses
                                     default chat (responses: the Responses API, POST
                                     {base}/responses)
Bedrock (--llm-api bedrock):
  --bedrock-api converse|invoke      default converse
  --region R                         default $AWS_REGION
  --endpoint-url URL                 default $AWS_ENDPOINT_URL_BEDROCK_RUNTIME
  --retries N                        SDK retries (default 0, so throttling shows)
Anthropic (--llm-api anthropic):
  --base-url URL                     default $ANTHROPIC_BASE_URL, else ${ANTHROPIC_BASE_URL};
                                     key from $ANTHROPIC_API_KEY
  --anthropic-version V              anthropic-version header (default 2023-06-01)
SageMaker (--llm-api sagemaker; --model is the endpoint name):
  --sagemaker-payload tgi|messages   request body: TGI/LMI inputs+parameters, or chat messages
                                     (default tgi)
  --region R                         default $AWS_REGION
  --endpoint-url URL                 default $AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME
  --custom-attributes S              e.g. accept_eula=true (default none)
  --retries N                        SDK retries (default 0, so throttling shows)
Vertex AI Gemini (--llm-api vertexai):
  --project ID                       default $GCLOUD_PROJECT_ID, else $GOOGLE_CLOUD_PROJECT;
                                     none = express mode with $GOOGLE_API_KEY
  --region R                         default $GCLOUD_REGION, else $GOOGLE_CLOUD_LOCATION,
                                     else ${VERTEX_DEFAULT_REGION}
  --access-token T                   default $GCLOUD_ACCESS_TOKEN (prefer the variable: a flag
                                     shows in the process list); or $GOOGLE_API_KEY
  --base-url URL                     default https://REGION-aiplatform.googleapis.com
`;
/** One of {@link LLM_APIS}. */
export type LlmApi = typeof LLM_APIS[number];

/** A ready client and what the results should say about its endpoint. */
export interface BuiltClient {
  client: LlmClient;
  /** Endpoint URL without credentials (recorded in metadata): no user info, and the values of
   * credential query parameters (`?key=`, `?code=`, `?sig=`, …) replaced by `[redacted]`. */
  endpoint: string;
  /** True when the endpoint is tokenbench's own simulator (it says so at `/_sim/info`). */
  simulated: boolean;
  /** What the simulator reports of itself (behaviour, profile), when simulated. */
  simulator?: Record<string, unknown>;
  /** The same client as data, to build it again in a Worker (`--workers`, `--transport`);
   * absent for APIs that cannot be (they run on the main thread). */
  spec?: ClientSpec;
  close?: () => Promise<void> | void;
}

type Flags = Record<string, string | boolean | undefined>;
const str = (v: string | boolean | undefined) => typeof v === "string" ? v : undefined;

function isLoopback(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\./.test(h);
}

/** `url` as recorded: without user info, credential query values redacted. */
function recordedEndpoint(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return redactSecrets(copy.href, { secrets: secretsFromUrl(url.href) });
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
    if (endpoint !== "chat" && endpoint !== "completions" && endpoint !== "responses") {
      throw new UsageError(
        `--endpoint must be one of chat, completions, responses, got '${endpoint}'`,
      );
    }
    await checkReachable(flags["base-url"] ? "--base-url" : "OPENAI_API_BASE", url);
    const simulator = await probeSimulator(url);
    url.username = "";
    url.password = "";
    return {
      client: createOpenAiClient({ baseUrl: url.href, apiKey, endpoint }),
      endpoint: recordedEndpoint(url),
      simulated: simulator !== undefined,
      simulator,
      spec: { api: "openai", options: { baseUrl: url.href, apiKey, endpoint } },
    };
  }
  if (api === "anthropic") return await buildAnthropic(flags, env);
  if (api === "sagemaker") return await buildSageMaker(flags, env);
  if (api === "vertexai") return await buildVertex(flags, env);
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
  const { createBedrockClient } = await import("../clients/bedrock_client.ts");
  const built = createBedrockClient({ api: bedrockApi, region, endpointUrl: url.href, retries });
  return {
    client: built,
    endpoint: recordedEndpoint(url),
    simulated: simulator !== undefined,
    simulator,
    spec: { api: "bedrock", options: { api: bedrockApi, region, endpointUrl: url.href, retries } },
  };
}

async function buildAnthropic(flags: Flags, env: Record<string, string>): Promise<BuiltClient> {
  const flag = flags["base-url"]
    ? "--base-url"
    : env.ANTHROPIC_BASE_URL
    ? "ANTHROPIC_BASE_URL"
    : "";
  const url = parseUrl(
    flag || "the Anthropic endpoint",
    str(flags["base-url"]) ?? env.ANTHROPIC_BASE_URL ?? ANTHROPIC_BASE_URL,
  );
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey && !isLoopback(url)) {
    throw new UsageError(`ANTHROPIC_API_KEY is not set (needed for ${url.origin})`);
  }
  const version = str(flags["anthropic-version"]);
  if (version !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(version)) {
    throw new UsageError(`--anthropic-version must look like 2023-06-01, got '${version}'`);
  }
  await checkReachable(flag || "the Anthropic endpoint", url);
  const simulator = await probeSimulator(url);
  url.username = "";
  url.password = "";
  const options = { baseUrl: url.href, apiKey, version };
  return {
    client: createAnthropicClient(options),
    endpoint: recordedEndpoint(url),
    simulated: simulator !== undefined,
    simulator,
    spec: { api: "anthropic", options },
  };
}

async function buildSageMaker(flags: Flags, env: Record<string, string>): Promise<BuiltClient> {
  const { createSageMakerClient } = await import("../clients/sagemaker_client.ts");
  const region = str(flags.region) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError("no AWS region: pass --region or set AWS_REGION");
  const payload = str(flags["sagemaker-payload"]) ?? "tgi";
  if (!(SAGEMAKER_PAYLOADS as readonly string[]).includes(payload)) {
    throw new UsageError(
      `--sagemaker-payload must be one of ${SAGEMAKER_PAYLOADS.join(", ")}, got '${payload}'`,
    );
  }
  const flag = flags["endpoint-url"] ? "--endpoint-url" : "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME";
  const endpointText = str(flags["endpoint-url"]) ?? env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME;
  const url = endpointText
    ? parseUrl(flag, endpointText)
    : new URL(`https://runtime.sagemaker.${region}.amazonaws.com`);
  const retriesText = str(flags.retries);
  const retries = retriesText === undefined ? 0 : Number(retriesText);
  if (!Number.isInteger(retries) || retries < 0) {
    throw new UsageError(`--retries must be an integer >= 0, got '${retriesText}'`);
  }
  await checkReachable(endpointText ? flag : "the SageMaker endpoint", url);
  const simulator = await probeSimulator(url);
  const options = {
    payload: payload as typeof SAGEMAKER_PAYLOADS[number],
    region,
    endpointUrl: url.href,
    retries,
    customAttributes: str(flags["custom-attributes"]),
  };
  return {
    client: createSageMakerClient(options),
    endpoint: recordedEndpoint(url),
    simulated: simulator !== undefined,
    simulator,
    spec: { api: "sagemaker", options },
  };
}

async function buildVertex(flags: Flags, env: Record<string, string>): Promise<BuiltClient> {
  const project = str(flags.project) ?? env.GCLOUD_PROJECT_ID ?? env.GOOGLE_CLOUD_PROJECT;
  const region = str(flags.region) ?? env.GCLOUD_REGION ?? env.GOOGLE_CLOUD_LOCATION ??
    VERTEX_DEFAULT_REGION;
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new UsageError(`--region must look like us-central1, got '${region}'`);
  }
  if (project !== undefined && !/^[A-Za-z0-9._:-]+$/.test(project)) {
    throw new UsageError(`--project must be a project id, got '${project}'`);
  }
  const accessToken = str(flags["access-token"]) ?? env.GCLOUD_ACCESS_TOKEN;
  const apiKey = env.GOOGLE_API_KEY;
  const base = str(flags["base-url"]) ??
    (region === "global"
      ? "https://aiplatform.googleapis.com"
      : `https://${region}-aiplatform.googleapis.com`);
  const url = parseUrl(flags["base-url"] ? "--base-url" : "the Vertex AI endpoint", base);
  if (!isLoopback(url)) {
    if (!accessToken && !apiKey) {
      throw new UsageError(
        "no Vertex AI credentials: set GCLOUD_ACCESS_TOKEN (gcloud auth print-access-token) " +
          "or GOOGLE_API_KEY",
      );
    }
    if (accessToken && project === undefined) {
      throw new UsageError("no Vertex AI project: pass --project or set GCLOUD_PROJECT_ID");
    }
  }
  await checkReachable(flags["base-url"] ? "--base-url" : "the Vertex AI endpoint", url);
  const simulator = await probeSimulator(url);
  url.username = "";
  url.password = "";
  const options = {
    project,
    region,
    accessToken: accessToken || undefined,
    apiKey: accessToken ? undefined : apiKey || undefined,
    baseUrl: url.href,
  };
  return {
    client: createVertexClient(options),
    endpoint: recordedEndpoint(url),
    simulated: simulator !== undefined,
    simulator,
    spec: { api: "vertexai", options },
  };
}
