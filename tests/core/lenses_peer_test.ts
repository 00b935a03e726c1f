/**
 * The lenses against the peers' own code: `tests/testdata/peer_lens_fixtures.json` holds what each
 * peer's request, stream-parsing and metric code computed on the recorded streams of
 * `tests/testdata/peer_lens_streams.json` (written by `bench/peer_lens_fixtures.ts`, which runs
 * the peers at their pinned commits with the network and the clock replaced by a replay). Here
 * tokenbench's real path runs on the same streams (the OpenAI client, the streaming timer,
 * `toRequestRecord`, then `lensRequestValues` and `applyLens`) and every value must agree to
 * 1e-6 relative. tokenbench asks for usage, so it reads each stream with its usage-only chunk;
 * the peers that do not ask (LLMPerf) were given the stream without it.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  applyLens,
  type LensName,
  type LensRecord,
  lensRequestValues,
} from "../../lib/core/lenses.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { toRequestRecord } from "../../lib/core/to_request_record.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";

interface _Read {
  atMs: number;
  messages: (string | Record<string, unknown>)[];
}
interface _Stream {
  name: string;
  reads: _Read[];
  bodyEndMs: number;
}
interface _Streams {
  maxTokens: number;
  sendIntervalMs: number;
  streams: _Stream[];
}
type _Values = Record<string, number | number[] | null>;
interface _PeerStats {
  mean: number;
  std: number | null;
  percentiles: Record<string, number>;
  count?: number;
  min?: number;
  max?: number;
}
interface _Peer {
  source: { repo: string; commits: string[] };
  requests: { stream: string; ok: boolean; values: _Values | null }[];
  run: {
    durationMs?: number;
    completed: number;
    failed: number;
    outputTokensPerS: number;
    metrics: Record<string, _PeerStats>;
  };
}

const dir = new URL("../testdata/", import.meta.url);
const STREAMS: _Streams = JSON.parse(
  await Deno.readTextFile(new URL("peer_lens_streams.json", dir)),
);
const FIXTURES: { streams: { sha256: string }; peers: Record<string, _Peer> } = JSON.parse(
  await Deno.readTextFile(new URL("peer_lens_fixtures.json", dir)),
);
const countTokens = (text: string) => (text.match(/\w+|[^\w\s]/g) ?? []).length;

/** A fetch whose body hands over one recorded read per pull, moving the clock to its time. */
function replayFetch(stream: _Stream, clock: { now: number }, sendMs: number): typeof fetch {
  return ((_input: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body));
    if (body.stream_options?.include_usage !== true) throw new Error("tokenbench asks for usage");
    let i = 0;
    const encoder = new TextEncoder();
    const readable = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < stream.reads.length) {
          const read = stream.reads[i++];
          clock.now = sendMs + read.atMs;
          const text = read.messages.map((m) =>
            `data: ${typeof m === "string" ? m : JSON.stringify(m)}\n\n`
          ).join("");
          controller.enqueue(encoder.encode(text));
        } else {
          clock.now = sendMs + stream.bodyEndMs;
          controller.close();
        }
      },
    }, { highWaterMark: 0 });
    return Promise.resolve(new Response(readable, { status: 200 }));
  }) as typeof fetch;
}

/** tokenbench's record of every stream, sent one at a time `sendIntervalMs` apart. */
async function records(): Promise<LensRecord[]> {
  const out: LensRecord[] = [];
  for (const [k, stream] of STREAMS.streams.entries()) {
    const sendMs = k * STREAMS.sendIntervalMs;
    const clock = { now: sendMs };
    const client = createOpenAiClient({
      baseUrl: "http://replay/v1",
      fetch: replayFetch(stream, clock, sendMs),
    });
    const events = client.stream({
      model: "m",
      prompt: "Say something",
      maxTokens: STREAMS.maxTokens,
    });
    const timing = await timeStream(events, { now: () => clock.now, timeOrigin: 0 });
    out.push({
      ...toRequestRecord(timing, {
        requestId: k,
        inputTokens: 20,
        maxOutputTokens: STREAMS.maxTokens,
        countTokens,
        actualSendMs: sendMs,
      }),
    });
  }
  return out;
}

const RECORDS = await records();

function close(got: unknown, want: unknown, what: string): void {
  if (typeof want === "number" && typeof got === "number") {
    const scale = Math.max(Math.abs(want), Math.abs(got), 1e-9);
    ok(Math.abs(got - want) / scale <= 1e-6, `${what}: tokenbench ${got}, peer ${want}`);
  } else if (Array.isArray(want) && Array.isArray(got)) {
    strictEqual(got.length, want.length, `${what}: length`);
    want.forEach((w, i) => close(got[i], w, `${what}[${i}]`));
  } else {
    deepStrictEqual(got, want, what);
  }
}

Deno.test("the fixtures were made from these streams", async () => {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    await Deno.readFile(new URL("peer_lens_streams.json", dir)),
  );
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  strictEqual(hex, FIXTURES.streams.sha256);
  strictEqual(RECORDS.length, STREAMS.streams.length);
  ok(RECORDS.every((r) => r.status === "ok"));
});

for (const [lens, peer] of Object.entries(FIXTURES.peers)) {
  Deno.test(`the ${lens} lens equals ${peer.source.repo} ${peer.source.commits.join(", ")} request by request`, () => {
    let compared = 0;
    peer.requests.forEach((want, i) => {
      const got = lensRequestValues(lens as LensName, RECORDS[i]);
      const what = `${lens} "${want.stream}"`;
      strictEqual(got.ok, want.ok, `${what}: counted as completed`);
      if (!want.ok || want.values === null) return;
      for (const [metric, value] of Object.entries(want.values)) {
        close(got[metric as keyof typeof got], value, `${what} ${metric}`);
        compared++;
      }
    });
    ok(compared >= 4 * peer.requests.length, `${compared} values compared`);
  });

  Deno.test(`the ${lens} lens equals ${peer.source.repo}'s own run summary`, () => {
    const result = applyLens(lens as LensName, RECORDS, { wallTimeMs: peer.run.durationMs });
    strictEqual(result.peer.completed, peer.run.completed, "completed");
    strictEqual(result.peer.failed, peer.run.failed, "failed");
    close(result.peer.outputTokensPerS, peer.run.outputTokensPerS, `${lens} output tokens/s`);
    for (const [metric, want] of Object.entries(peer.run.metrics)) {
      const got = result.peer.metrics[metric as keyof typeof result.peer.metrics];
      ok(got, `${lens} ${metric} summarized`);
      close(got.mean, want.mean, `${lens} ${metric} mean`);
      close(got.std, want.std, `${lens} ${metric} std`);
      for (const [p, value] of Object.entries(want.percentiles)) {
        close(got.percentiles[p], value, `${lens} ${metric} ${p}`);
      }
      if (want.min !== undefined) close(got.min, want.min, `${lens} ${metric} min`);
      if (want.max !== undefined) close(got.max, want.max, `${lens} ${metric} max`);
      if (want.count !== undefined) strictEqual(got.count, want.count, `${lens} ${metric} count`);
    }
  });
}
