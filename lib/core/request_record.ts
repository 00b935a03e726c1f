/**
 * The per-request record: one flat, JSON-ready object per request, discriminated on `status`.
 * Times are milliseconds; `…Ms` fields of a request are relative to its own send time unless the
 * name says otherwise (`…EpochMs` is Unix epoch, `intendedSendMs`/`actualSendMs` are relative to
 * the run's start).
 *
 * @module
 */

/** Fields every record has, whatever its status. */
export interface RequestRecordBase {
  /** 0-based launch order within the run (warm-up requests included). */
  requestId: number;
  /** `warmup` records are written to the JSONL but excluded from every statistic. */
  phase: "warmup" | "measure";
  /** When the load shape meant to send it, ms after the run started. */
  intendedSendMs: number;
  /** When it was actually sent, ms after the run started. */
  actualSendMs: number;
  /** Send time as Unix epoch ms (sub-ms precision), to compare with server stamps. */
  startEpochMs: number;
  /** Prompt tokens counted by the run's tokenizer. */
  inputTokens: number;
  /** `max_tokens` asked for. */
  maxOutputTokens: number;
  /** Output tokens counted by the run's tokenizer on the generated answer text. */
  outputTokens: number;
  /** Reasoning tokens counted by the run's tokenizer on the reasoning text. */
  reasoningTokens: number;
  /** The server's own prompt token count, when it reports one. */
  serverInputTokens: number | null;
  /** The server's own output token count, when it reports one. */
  serverOutputTokens: number | null;
  /** Service-side latency reported by the server (Bedrock), when it reports one. */
  serverLatencyMs: number | null;
  /** Service-side first-byte latency reported by the server (Bedrock InvokeModel). */
  serverFirstByteLatencyMs: number | null;
  /**
   * The request left the client, ms after send (T0, when the client was asked): its last byte
   * written to the socket (`http1`), the `fetch` call (`fetch`), or the signed request handed
   * to the SDK's HTTP handler (Bedrock, SageMaker). Absent when the client does not say (and in
   * records written before it existed). `ttftMs − requestSentMs` is TTFT from the wire send.
   */
  requestSentMs?: number;
  /**
   * The request opened a new connection (or was the first its client sent, where the transport
   * pools connections out of sight): it pays connection set-up and cold code paths. Absent when
   * the client does not say.
   */
  coldStart?: boolean;
  /**
   * Prompt tokens the endpoint says it read from its prompt cache: OpenAI
   * `usage.prompt_tokens_details.cached_tokens`, Anthropic `cache_read_input_tokens`, Bedrock
   * Converse `cacheReadInputTokens`, Gemini `cachedContentTokenCount`. Absent when it does not
   * say.
   */
  cachedInputTokens?: number;
  /** Prompt tokens the endpoint says it wrote to its cache (Anthropic
   * `cache_creation_input_tokens`, Bedrock `cacheWriteInputTokens`). Absent when it does not say. */
  cacheWriteInputTokens?: number;
  /** Multi-turn sessions: the session (0-based, warm-up sessions first). Absent otherwise. */
  sessionId?: number;
  /** Multi-turn sessions: the turn within the session (0-based). */
  turn?: number;
  /** Multi-turn sessions: prompt tokens of the history this turn carries (the earlier turns'
   * messages and answers; 0 for turn 0), included in `inputTokens`. */
  historyTokens?: number;
  /** Response headers arrived, ms after send. */
  headersMs: number | null;
  /** First wire message of any kind (role-only chunks included), ms after send. */
  firstMessageMs: number | null;
  /** Time to first token: first non-empty answer content, ms after send. */
  ttftMs: number | null;
  /** First non-empty reasoning content, ms after send. */
  firstReasoningMs: number | null;
  /** Last non-empty answer content, ms after send. */
  lastContentMs: number | null;
  /** End of the stream (or of the failure), ms after send. */
  e2eMs: number;
  /**
   * The response body ended, ms after send: read on after `[DONE]` (or the last frame) to its
   * end, as LLMPerf does; `e2eMs` still stops at `[DONE]`. Absent when the client does not read
   * the body's end (SDK clients), after a failure, and in records written before it existed.
   */
  bodyEndMs?: number;
  /** Decode-only inter-token latency `(lastContent - ttft) / (outputTokens - 1)`. */
  interTokenLatencyMs: number | null;
  /** LLMPerf's `inter_token_latency_s`: `(lastContent - send) / outputTokens`, includes TTFT. */
  llmperfInterTokenLatencyS: number | null;
  /** `outputTokens / e2e` in tokens per second. */
  outputThroughputTokPerS: number | null;
  /** Number of non-empty answer content chunks. */
  chunkCount: number;
  /** Arrival of each non-empty answer content chunk, ms after send. */
  chunkArrivalMs: number[];
  /** Tokens in each of those chunks (server-given, else the tokenizer's count of its text). */
  chunkTokens: number[];
  /** Arrival of each non-empty reasoning chunk, ms after send. */
  reasoningArrivalMs: number[];
  /** Wire messages counted (0 when the client does not report messages). */
  messageCount: number;
  /** Arrival of each wire message with non-empty `choices` (OpenAI-style), ms after send. */
  choicesArrivalMs: number[];
  /** Arrival of the last wire message of any kind (usage included), ms after send. */
  lastMessageMs: number | null;
  /** The simulator's send stamp for each of those chunks (epoch ms), when it provides them. */
  chunkSentEpochMs?: number[];
  /** The generated answer text, when the run keeps it. */
  outputText?: string;
  /** SDK retries made for this request (0 when retries are off). */
  retries: number;
  /** Some of the answer was a refusal (OpenAI's `delta.refusal`), counted as answer output.
   * Absent otherwise. */
  refusal?: boolean;
  /** The response's `Retry-After` (a 429's or 503's), ms. Absent when it gave none. */
  retryAfterMs?: number;
}

/** A request that completed. */
export interface OkRecord extends RequestRecordBase {
  status: "ok";
  errorCode: null;
  errorMessage: null;
}

/** A request that failed: HTTP status or HTTP-like code, and a message without secrets. */
export interface ErrorRecord extends RequestRecordBase {
  status: "error";
  /** 4xx/5xx from the endpoint; 408 timeout, 499 cancelled by the client, 599 network failure. */
  errorCode: number;
  /** What went wrong, one line. */
  errorMessage: string;
}

/** One request's record. */
export type RequestRecord = OkRecord | ErrorRecord;

/** Error codes tokenbench assigns itself when no HTTP status exists. */
export const CLIENT_ERROR_CODES = {
  /** The request or first-token timeout fired. */
  timeout: 408,
  /** The run was stopped (Ctrl-C, abort signal) while the request was in flight. */
  cancelled: 499,
  /** Connection refused or reset, DNS failure, malformed stream. */
  network: 599,
} as const;
