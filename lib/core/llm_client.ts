/**
 * The interface every provider client implements.
 *
 * @module
 */
import type { StreamEvent } from "./stream_event.ts";
import type { ChatTurn } from "./chat_turn.ts";

/** One request to send, provider-neutral. */
export interface LlmRequest {
  /** Model id as the provider names it. */
  model: string;
  /** The user prompt text (with `history`: the new user message). */
  prompt: string;
  /**
   * Earlier turns of the conversation, oldest first, alternating user and assistant and ending
   * with an assistant answer; `prompt` is the user message after them. Chat APIs get them as
   * real role messages before the prompt (OpenAI chat `messages`, Anthropic `messages`, Bedrock
   * Converse `messages`, Vertex `contents` with role `model`, the Responses API `input` items,
   * SageMaker `messages` payloads); single-prompt APIs (completions, InvokeModel native
   * templates, TGI `inputs`) get them flattened by {@link flattenTurns}. Default none.
   */
  history?: readonly ChatTurn[];
  /**
   * Prompt caching of a conversation: with `history`, the cache mark goes after the history
   * (on the last earlier message) rather than inside `prompt`: Anthropic `cache_control` on its
   * last block, Converse a `cachePoint` block at its end. Default false.
   */
  cacheHistory?: boolean;
  /** Maximum output tokens to ask for. */
  maxTokens: number;
  /**
   * Prompt caching (`--prompt-cache`): the first this many characters of `prompt` are a prefix
   * to cache. Clients whose API takes a cache mark send the prompt in two text blocks with the
   * mark after the first: Bedrock Converse a `cachePoint` block, Anthropic (and Bedrock
   * InvokeModel Claude bodies) `cache_control: { type: "ephemeral" }` on the first block. Other
   * clients send the prompt as it is (OpenAI-compatible servers cache prefixes on their own).
   * Default none.
   */
  cachePrefixChars?: number;
  /** Extra sampling parameters (`--additional-sampling-params`), merged into the body. */
  samplingParams?: Record<string, unknown>;
  /** Aborts the request (timeouts, Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * A streaming LLM client. `stream` yields events as they arrive and never throws for endpoint
 * failures (HTTP errors, in-stream errors, network failures become an `error` event); it may
 * throw only for programming errors, which the timer still turns into an error record.
 */
export interface LlmClient {
  /** Provider kind, as given to `--llm-api` (`openai`, `bedrock`, …). */
  readonly api: string;
  /** Send one request and yield its decoded events. */
  stream(request: LlmRequest): AsyncIterable<StreamEvent>;
  /**
   * Make ready what the first request would otherwise pay for, sending nothing (the AWS SDK
   * clients: the SDK client and its credentials). Optional; best effort.
   */
  prepare?(): Promise<void>;
}
