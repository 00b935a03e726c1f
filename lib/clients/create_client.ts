/**
 * Clients described by data: a {@link ClientSpec} is plain JSON (no functions), so it can be
 * posted to a Worker, which builds its own client from it.
 *
 * @module
 */
import type { LlmClient } from "../core/llm_client.ts";
import type { OpenAiClientOptions } from "./openai_client.ts";
import type { BedrockClientOptions } from "./bedrock_client.ts";
import type { AnthropicClientOptions } from "./anthropic_client.ts";
import type { VertexClientOptions } from "./vertex_client.ts";
import type { SageMakerClientOptions } from "./sagemaker_client.ts";
import type { Http1Fetch } from "./http1_fetch.ts";

/** How the OpenAI client reaches its endpoint. */
export const TRANSPORTS = ["fetch", "http1"] as const;

/**
 * One of {@link TRANSPORTS}: Deno's `fetch`, or {@link createHttp1Fetch} over `Deno.connect`
 * (plain-HTTP URLs only; `https:` URLs still go through `fetch`).
 */
export type Transport = typeof TRANSPORTS[number];

/** An OpenAI-compatible client as data. */
export interface OpenAiClientSpec {
  api: "openai";
  /** The client's options, without `fetch`. */
  options: Omit<OpenAiClientOptions, "fetch">;
  /** Default `"fetch"`. */
  transport?: Transport;
}

/** A Bedrock client as data (credentials come from the AWS default chain where it is built). */
export interface BedrockClientSpec {
  api: "bedrock";
  /** The client's options, without a ready SDK `client` or `fetch`. */
  options: Omit<BedrockClientOptions, "client" | "fetch">;
  /** Default `"fetch"`. */
  transport?: Transport;
}

/** An Anthropic Messages client as data. */
export interface AnthropicClientSpec {
  api: "anthropic";
  /** The client's options, without `fetch`. */
  options: Omit<AnthropicClientOptions, "fetch">;
  /** Default `"fetch"`. */
  transport?: Transport;
}

/** A Vertex AI Gemini client as data. */
export interface VertexClientSpec {
  api: "vertexai";
  /** The client's options, without `fetch`. */
  options: Omit<VertexClientOptions, "fetch">;
  /** Default `"fetch"`. */
  transport?: Transport;
}

/** A SageMaker client as data (credentials come from the AWS default chain where it is built). */
export interface SageMakerClientSpec {
  api: "sagemaker";
  /** The client's options, without a ready SDK `client` or `fetch`. */
  options: Omit<SageMakerClientOptions, "client" | "fetch">;
  /** Default `"fetch"`. */
  transport?: Transport;
}

/** A client as data: what {@link createClient} builds, in this thread or in a Worker. */
export type ClientSpec =
  | OpenAiClientSpec
  | BedrockClientSpec
  | AnthropicClientSpec
  | VertexClientSpec
  | SageMakerClientSpec;

/** The APIs a {@link ClientSpec} can name. */
export const SPEC_APIS: readonly ClientSpec["api"][] = [
  "openai",
  "bedrock",
  "anthropic",
  "vertexai",
  "sagemaker",
];

/** A client built from a spec, and how to release what it holds. */
export interface CreatedClient {
  client: LlmClient;
  /** Closes idle connections (the `http1` transport); safe to call twice. */
  close(): void;
  /**
   * Opens up to `count` connections to the endpoint ahead of the requests and resolves with the
   * number opened: the `http1` transport only (0 for the others, whose connections are pooled
   * out of sight).
   */
  preconnect(count: number): Promise<number>;
}

/**
 * Build the client a {@link ClientSpec} describes. The Bedrock SDK is loaded only when asked
 * for, so an OpenAI client starts fast (in every Worker of a pool).
 *
 * @example An OpenAI client over the light HTTP/1.1 transport
 * ```ts
 * import { createClient } from "./create_client.ts";
 * const { client, close } = await createClient({
 *   api: "openai", options: { baseUrl: "http://127.0.0.1:8000/v1" }, transport: "http1",
 * });
 * if (client.api !== "openai") throw new Error(client.api);
 * close();
 * ```
 */
export async function createClient(spec: ClientSpec): Promise<CreatedClient> {
  if (spec === null || typeof spec !== "object") {
    throw new TypeError(`Cannot create client: 'spec' must be an object, got ${spec}`);
  }
  if (spec.api === "bedrock" || spec.api === "sagemaker") {
    const fetch1 = await _transportFetch(spec.transport);
    const options = { ...spec.options, ...(fetch1 ? { fetch: fetch1 } : {}) };
    let client: LlmClient;
    if (spec.api === "bedrock") {
      const { createBedrockClient } = await import("./bedrock_client.ts");
      client = createBedrockClient(options);
    } else {
      const { createSageMakerClient } = await import("./sagemaker_client.ts");
      client = createSageMakerClient(options);
    }
    return _created(client, fetch1, spec.options.endpointUrl);
  }
  if (spec.api === "openai" || spec.api === "anthropic" || spec.api === "vertexai") {
    const fetch1 = await _transportFetch(spec.transport);
    const fetchOption = fetch1 ? { fetch: fetch1 } : {};
    let client: LlmClient;
    if (spec.api === "openai") {
      const { createOpenAiClient } = await import("./openai_client.ts");
      client = createOpenAiClient({ ...spec.options, ...fetchOption });
    } else if (spec.api === "anthropic") {
      const { createAnthropicClient } = await import("./anthropic_client.ts");
      client = createAnthropicClient({ ...spec.options, ...fetchOption });
    } else {
      const { createVertexClient } = await import("./vertex_client.ts");
      client = createVertexClient({ ...spec.options, ...fetchOption });
    }
    return _created(client, fetch1, (spec.options as { baseUrl?: string }).baseUrl);
  }
  throw new RangeError(
    `Cannot create client: 'api' must be one of ${SPEC_APIS.join(", ")}, got ${
      JSON.stringify((spec as { api: unknown }).api)
    }`,
  );
}

async function _transportFetch(transport: Transport | undefined): Promise<Http1Fetch | undefined> {
  const name = transport ?? "fetch";
  if (!(TRANSPORTS as readonly string[]).includes(name)) {
    throw new RangeError(
      `Cannot create client: 'transport' must be one of ${TRANSPORTS.join(", ")}, got ${
        JSON.stringify(name)
      }`,
    );
  }
  if (name !== "http1") return undefined;
  const { createHttp1Fetch } = await import("./http1_fetch.ts");
  return createHttp1Fetch();
}

function _created(
  client: LlmClient,
  fetch1: Http1Fetch | undefined,
  url: string | undefined,
): CreatedClient {
  return {
    client,
    close: () => fetch1?.close(),
    preconnect: (count) =>
      fetch1 && url !== undefined ? fetch1.preconnect(url, count) : Promise.resolve(0),
  };
}
