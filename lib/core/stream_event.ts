/**
 * The events a streaming client yields, whatever the wire format.
 *
 * Every client (OpenAI-compatible SSE, Bedrock event streams, Anthropic, …) decodes its wire
 * messages into these events as soon as they arrive; {@link timeStream} stamps each with the
 * injected clock. Clients never throw for endpoint failures: they yield an `error` event.
 *
 * @module
 */

/**
 * The request left the client: its last byte was written to the socket (the `http1` transport),
 * the `fetch` call was made (`fetch`), or the signed request was handed to the SDK's HTTP
 * handler (Bedrock, SageMaker). Clients yield it before `headers`, once the response is known
 * (a request that failed before it was sent has none).
 */
export interface SentEvent {
  kind: "sent";
  /**
   * When it was sent: `performance.now()` of the sending thread. The streaming timer uses it
   * instead of its own clock (see `MessageEvent.receivedMs`). Default: the event's arrival.
   */
  atMs?: number;
  /**
   * The request opened a new connection (TCP connect, or the client's first request when the
   * transport pools connections out of sight). Default: unknown.
   */
  newConnection?: boolean;
}

/** Response headers arrived (HTTP status known). */
export interface HeadersEvent {
  kind: "headers";
  /** HTTP status code of the response. */
  status: number;
  /** Retries the client (an SDK) made before this response. Default 0. */
  retries?: number;
  /**
   * When the bytes completing the response head were read: `performance.now()` of the reading
   * thread, as for `MessageEvent.receivedMs`. Default: the event's arrival.
   */
  receivedMs?: number;
  /** The response's `Retry-After`, ms (seconds, or an HTTP date, from now). Default none. */
  retryAfterMs?: number;
}

/**
 * A wire message arrived (an SSE `data:` message, an event-stream frame). Clients yield one
 * before the content/reasoning/usage events decoded from the same message, so the timer can
 * count messages and other tools' definitions can be computed from the same record (vLLM stops
 * TTFT at the first message with non-empty `choices`, a role-only chunk included).
 */
export interface MessageEvent {
  kind: "message";
  /** OpenAI-style: the message had a non-empty `choices` array (usage-only chunks have none). */
  choices?: boolean;
  /** Send time stamped by the simulator (epoch ms), when the endpoint provides it. */
  sentAtEpochMs?: number;
  /**
   * When the bytes completing this message were read from the network: `performance.now()` of
   * the reading thread, taken as the read returned, before any parsing. The streaming timer
   * stamps this message and the events decoded from it with this time instead of its own clock
   * (which would add the client's own parsing, and the parsing of every other stream read in
   * the same event-loop turn). Clients that cannot see their reads leave it out.
   */
  receivedMs?: number;
}

/** A piece of answer text (OpenAI `delta.content`, Bedrock `contentBlockDelta.delta.text`). */
export interface ContentEvent {
  kind: "content";
  /** The text of this chunk; may be empty, in which case it does not count as a token. */
  text: string;
  /** Tokens in this chunk when the endpoint says so (else counted by the client tokenizer). */
  tokens?: number;
  /** Send time stamped by the simulator (epoch ms), when the endpoint provides it. */
  sentAtEpochMs?: number;
  /** The text is a refusal (OpenAI's `delta.refusal`): answer output all the same, flagged on
   * the record. Default false. */
  refusal?: boolean;
}

/** A piece of reasoning ("thinking") text, counted apart from the answer. */
export interface ReasoningEvent {
  kind: "reasoning";
  /** The reasoning text of this chunk. */
  text: string;
  /** Tokens in this chunk when the endpoint says so. */
  tokens?: number;
  /** Send time stamped by the simulator (epoch ms), when the endpoint provides it. */
  sentAtEpochMs?: number;
}

/** Token counts and latency figures reported by the server itself. */
export interface UsageEvent {
  kind: "usage";
  /** Server's prompt token count (`usage.prompt_tokens`, Bedrock `inputTokens`). */
  inputTokens?: number;
  /** Server's completion token count (`usage.completion_tokens`, Bedrock `outputTokens`). */
  outputTokens?: number;
  /** Server's reasoning token count, when reported. */
  reasoningTokens?: number;
  /** Prompt tokens read from a cache (Bedrock `cacheReadInputTokens`). */
  cacheReadInputTokens?: number;
  /** Prompt tokens written to a cache (Bedrock `cacheWriteInputTokens`). */
  cacheWriteInputTokens?: number;
  /** Service-side latency (Bedrock `metrics.latencyMs` or `invocationLatency`). */
  serverLatencyMs?: number;
  /** Service-side time to first byte (Bedrock `firstByteLatency`). */
  serverFirstByteLatencyMs?: number;
}

/** The endpoint reported a failure (HTTP error status, in-stream error, exception frame). */
export interface ErrorEvent {
  kind: "error";
  /** HTTP-like status: 429 throttled, 408 timeout, 5xx server, 599 network failure. */
  code: number;
  /** Human-readable message, never containing credentials. */
  message: string;
  /** Exception or error type name when the wire format gives one (`ThrottlingException`). */
  name?: string;
}

/** The stream finished normally. */
export interface DoneEvent {
  kind: "done";
  /** `finish_reason` / `stopReason` when the endpoint gives one. */
  finishReason?: string;
  /**
   * When the bytes that ended the stream (`[DONE]`) were read: `performance.now()` of the
   * reading thread, as for `MessageEvent.receivedMs`. Default: the event's arrival.
   */
  receivedMs?: number;
}

/**
 * The response body ended: after the stream's last event (`[DONE]`, the final frame) the client
 * read the body on to its end, bounded by the request's timeout and a limit of its own (5 s for
 * the SSE clients), and yields this when the read returned done. LLMPerf (every era) ends its request there. Clients that cannot see the body's
 * end (the SDK clients) never yield it; none yields it after a failure.
 */
export interface BodyEndEvent {
  kind: "body-end";
  /** When the read returned done: `performance.now()` of the reading thread. Default: arrival. */
  receivedMs?: number;
}

/** One decoded event of a streamed LLM response. */
export type StreamEvent =
  | SentEvent
  | HeadersEvent
  | MessageEvent
  | ContentEvent
  | ReasoningEvent
  | UsageEvent
  | ErrorEvent
  | DoneEvent
  | BodyEndEvent;
