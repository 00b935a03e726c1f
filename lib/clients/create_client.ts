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
  /** The client's options, without a ready SDK `client`. */
  options: Omit<BedrockClientOptions, "client">;
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
  /** The client's options, without a ready SDK `client`. */
  options: Omit<SageMakerClientOptions, "client">;
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
  if (spec.api === "bedrock") {
    const { createBedrockClient } = await import("./bedrock_client.ts");
    return {
      client: createBedrockClient(spec.options),
      close: () => {},
      preconnect: () => Promise.resolve(0),
    };
  }
  if (spec.api === "sagemaker") {
    const { createSageMakerClient } = await import("./sagemaker_client.ts");
    return {
      client: createSageMakerClient(spec.options),
      close: () => {},
      preconnect: () => Promise.resolve(0),
    };
  }
  if (spec.api === "openai" || spec.api === "anthropic" || spec.api === "vertexai") {
    const transport = spec.transport ?? "fetch";
    if (!(TRANSPORTS as readonly string[]).includes(transport)) {
      throw new RangeError(
        `Cannot create client: 'transport' must be one of ${TRANSPORTS.join(", ")}, got ${
          JSON.stringify(transport)
        }`,
      );
    }
    let fetch1: Http1Fetch | undefined;
    if (transport === "http1") {
      const { createHttp1Fetch } = await import("./http1_fetch.ts");
      fetch1 = createHttp1Fetch();
    }
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
    const baseUrl = (spec.options as { baseUrl?: string }).baseUrl;
    return {
      client,
      close: () => fetch1?.close(),
      preconnect: (count) =>
        fetch1 && baseUrl !== undefined ? fetch1.preconnect(baseUrl, count) : Promise.resolve(0),
    };
  }
  throw new RangeError(
    `Cannot create client: 'api' must be one of ${SPEC_APIS.join(", ")}, got ${
      JSON.stringify((spec as { api: unknown }).api)
    }`,
  );
}
