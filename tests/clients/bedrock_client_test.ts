/**
 * The real AWS SDK streaming through the built-in simulator's Bedrock wire formats.
 *
 * Every test asserts the number of tokens received, so the known Deno pitfall (the SDK's default
 * HTTP/2 handler returns 200 with zero events and no error) cannot pass silently. The simulator
 * is started with the Bedrock formats passed explicitly; once `startSimulator` serves them by
 * default, `startBedrockSim` can drop its `formats` line and nothing else changes.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import { collect, collectSent } from "../_events.ts";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import {
  type BedrockClientOptions,
  createBedrockClient,
} from "../../lib/clients/bedrock_client.ts";
import { type SimulatorOptions, startSimulator } from "../../lib/sim/simulator.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import { runBenchmark } from "../../lib/run/run_benchmark.ts";
import { FAKE_AWS, withEnv } from "../_env.ts";

/** A distinctive fake secret in the shape of a real one (40 characters of base64). */
const SECRET = ("TokenbenchFakeSecretDoNotLeak/" + "0123456789abcdef").slice(0, 40);
const ACCESS_KEY_ID = "AKIATOKENBENCHFAKE01";

/** Runs `fn` with fake AWS credentials in the environment (the SDK's default chain reads them),
 * restoring the previous values afterwards. */
function withFakeAws<T>(fn: () => Promise<T>): Promise<T> {
  return withEnv(
    { ...FAKE_AWS, AWS_ACCESS_KEY_ID: ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET },
    fn,
  );
}

function startBedrockSim(options: SimulatorOptions = {}) {
  return startSimulator({
    ...options,
  });
}

function client(url: string, options: BedrockClientOptions = {}) {
  return createBedrockClient({ region: "us-east-1", endpointUrl: url, ...options });
}

const PROMPT = "Randomly stream lines from the following text. The quick brown fox.";

const CASES: ["converse" | "invoke", string][] = [
  ["converse", "anthropic.claude-3-haiku-20240307-v1:0"],
  ["converse", "us.meta.llama3-1-8b-instruct-v1:0"],
  ["invoke", "anthropic.claude-instant-v1"],
  ["invoke", "anthropic.claude-v2:1"],
  ["invoke", "us.anthropic.claude-3-5-haiku-20241022-v1:0"],
  ["invoke", "meta.llama3-8b-instruct-v1:0"],
  ["invoke", "meta.llama2-70b-chat-v1"],
  ["invoke", "amazon.nova-lite-v1:0"],
  ["invoke", "amazon.titan-text-express-v1"],
  ["invoke", "mistral.mistral-7b-instruct-v0:2"],
  ["invoke", "cohere.command-text-v14"],
  ["invoke", "cohere.command-r-v1:0"],
];

/** The median of three or more numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const [api, model] of CASES) {
  Deno.test(`createBedrockClient() ${api} streams ${model} with the simulator's tokens and timings`, async () => {
    await withFakeAws(async () => {
      await using sim = await startBedrockSim({ ttftMs: 30, itlMs: 3, seed: 3 });
      const tokenizer = createTokenizer("cl100k_base");
      try {
        const bedrock = client(sim.url, { api });
        const maxTokens = 12;
        const lags = { ttft: [] as number[], e2e: [] as number[], headers: [] as number[] };
        // One warm-up request (first-call JIT and credential loading), then three measured.
        for (let i = 0; i < 4; i++) {
          sim.clearLog();
          const t = await timeStream(bedrock.stream({ model, prompt: PROMPT, maxTokens }));
          const log = sim.log();
          assertEquals(log.length, 1);
          const [truth] = log;
          assertEquals(t.error, null);
          assertEquals(truth.format, `bedrock-${api}`);
          assertEquals(truth.model, model);
          // Tokens: the simulator's words are single tokens of cl100k_base.
          assertEquals(truth.outputTokens, maxTokens);
          assertEquals(t.chunkArrivalMs.length, maxTokens);
          assertEquals(tokenizer.countTokens(t.text), truth.outputTokens);
          // Bedrock's own figures.
          assertEquals(t.usage.outputTokens, truth.outputTokens);
          assertEquals(t.usage.inputTokens, truth.inputTokens);
          const serverLatency = truth.endSentEpochMs! - truth.arrivalEpochMs;
          assertAlmostEquals(t.usage.serverLatencyMs!, serverLatency, 1);
          if (api === "invoke") {
            const firstByte = truth.chunkSentEpochMs[0] - truth.arrivalEpochMs;
            assertAlmostEquals(t.usage.serverFirstByteLatencyMs!, firstByte, 1);
            assertEquals(t.chunkSentEpochMs, truth.chunkSentEpochMs);
          }
          assert(t.finishReason !== null, "a stop reason");
          assertEquals(t.httpStatus, 200);
          if (i === 0) continue;
          // Client time minus ground truth (same process, same clock).
          lags.ttft.push(t.ttftMs! - (truth.chunkSentEpochMs[0] - t.startEpochMs));
          lags.e2e.push(t.endMs - (truth.endSentEpochMs! - t.startEpochMs));
          lags.headers.push(t.headersMs! - (truth.headersSentEpochMs! - t.startEpochMs));
        }
        // Arrival is after the send stamp and, at concurrency 1, close to it: within 5 ms on an
        // idle machine (a few tenths of a ms), 12 ms allowed for a busy one.
        for (const [name, values] of Object.entries(lags)) {
          assertAlmostEquals(median(values), 6, 6, `${name} lag ${values.join(", ")} ms`);
        }
      } finally {
        tokenizer.free();
      }
    });
  });
}

Deno.test("createBedrockClient() records a throttling exception mid-stream as a 429 error and the run goes on", async () => {
  await withFakeAws(async () => {
    await using sim = await startBedrockSim({
      ttftMs: 10,
      itlMs: 1,
      streamErrorRate: 0.5,
      errorStatuses: [429],
      seed: 11,
    });
    for (const api of ["converse", "invoke"] as const) {
      sim.clearLog();
      const result = await runBenchmark(client(sim.url, { api }), {
        model: "anthropic.claude-instant-v1",
        prompt: () => ({ prompt: PROMPT, inputTokens: 10, maxOutputTokens: 8 }),
        concurrency: 1,
        maxRequests: 8,
        countTokens: (text) => text.split(" ").length,
      });
      const log = sim.log();
      assertEquals(result.records.length, 8);
      assertEquals(log.length, 8);
      const errors = result.records.filter((r) => r.status === "error");
      const oks = result.records.filter((r) => r.status === "ok");
      assert(errors.length > 0 && oks.length > 0, `${errors.length} errors, ${oks.length} ok`);
      for (const r of result.records) {
        const truth = log[r.requestId];
        assertEquals(r.chunkCount, truth.chunkSentEpochMs.length);
        if (r.status === "error") {
          assertEquals(truth.error?.where, "stream");
          assertEquals(r.errorCode, 429);
          assert(r.errorMessage.startsWith("ThrottlingException: "), r.errorMessage);
        } else {
          assertEquals(r.outputTokens, 8);
        }
      }
    }
  });
});

Deno.test("createBedrockClient() maps Bedrock's HTTP errors to their codes and names", async () => {
  const expected: [number, string][] = [
    [400, "ValidationException"],
    [403, "AccessDeniedException"],
    [404, "ResourceNotFoundException"],
    [408, "ModelTimeoutException"],
    [429, "ThrottlingException"],
    [500, "InternalServerException"],
    [503, "ServiceUnavailableException"],
  ];
  await withFakeAws(async () => {
    for (const [status, name] of expected) {
      await using sim = await startBedrockSim({ errorRate: 1, errorStatuses: [status] });
      for (const api of ["converse", "invoke"] as const) {
        const events = await collect(
          client(sim.url, { api }).stream({
            model: "meta.llama3-8b-instruct-v1:0",
            prompt: PROMPT,
            maxTokens: 4,
          }),
        );
        assertEquals(events.filter((e) => e.kind === "content").length, 0);
        assertEquals(events[0], { kind: "headers", status, retries: 0 } as StreamEvent);
        const error = events.at(-1);
        assert(error?.kind === "error", JSON.stringify(events));
        assertEquals([error.code, error.name], [status, name]);
        assert(error.message.startsWith(`${name}: Simulated HTTP ${status} error`), error.message);
      }
    }
  });
});

Deno.test("createBedrockClient() maps exceptions mid-stream to codes, with the original status of ModelStreamErrorException", async () => {
  const expected: [number, string, number][] = [
    [400, "ValidationException", 400],
    [408, "ModelTimeoutException", 408],
    [500, "InternalServerException", 500],
    [503, "ServiceUnavailableException", 503],
    [403, "ModelStreamErrorException", 403],
  ];
  await withFakeAws(async () => {
    for (const [status, name, code] of expected) {
      await using sim = await startBedrockSim({
        ttftMs: 5,
        itlMs: 1,
        streamErrorRate: 1,
        errorStatuses: [status],
      });
      const api = status === 408 ? "invoke" : "converse";
      const t = await timeStream(
        client(sim.url, { api }).stream({
          model: "amazon.nova-lite-v1:0",
          prompt: PROMPT,
          maxTokens: 6,
        }),
      );
      const [truth] = sim.log();
      assertEquals(t.chunkArrivalMs.length, truth.chunkSentEpochMs.length);
      assertEquals(t.httpStatus, 200);
      assertEquals([t.error?.code, t.error?.name], [code, name]);
    }
  });
});

Deno.test("createBedrockClient() retries when asked and reports how many retries it made", async () => {
  await withFakeAws(async () => {
    // Every attempt fails: 1 + 2 attempts, then the error, with the count in the headers event.
    {
      await using sim = await startBedrockSim({ errorRate: 1, errorStatuses: [500] });
      const events = await collect(
        client(sim.url, { retries: 2 }).stream({ model: "m.x", prompt: PROMPT, maxTokens: 3 }),
      );
      assertEquals(sim.log().length, 3);
      assertEquals(events[0], { kind: "headers", status: 500, retries: 2 } as StreamEvent);
      const error = events.at(-1);
      assert(error?.kind === "error" && error.code === 500, JSON.stringify(events));
      assert(error.message.endsWith("(after 2 retries)"), error.message);
    }
    // Some attempts fail, then one succeeds: retries = failed attempts in the simulator's log.
    {
      await using sim = await startBedrockSim({
        ttftMs: 5,
        itlMs: 1,
        errorRate: 0.5,
        errorStatuses: [503],
        seed: 7,
      });
      const events = await collect(
        client(sim.url, { retries: 8 }).stream({ model: "m.x", prompt: PROMPT, maxTokens: 3 }),
      );
      const failed = sim.log().filter((l) => l.error !== null).length;
      assert(failed >= 1, "the seed should make at least one attempt fail");
      assertEquals(events[0], { kind: "headers", status: 200, retries: failed } as StreamEvent);
      assertEquals(events.filter((e) => e.kind === "content").length, 3);
    }
    // Retries off by default: one attempt.
    {
      await using sim = await startBedrockSim({ errorRate: 1, errorStatuses: [503] });
      await collect(client(sim.url).stream({ model: "m.x", prompt: PROMPT, maxTokens: 3 }));
      assertEquals(sim.log().length, 1);
    }
  });
});

Deno.test("createBedrockClient() uses the family option for model ids it does not know", async () => {
  await withFakeAws(async () => {
    await using sim = await startBedrockSim({ ttftMs: 5, itlMs: 1 });
    const unknown = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
    const refused = await collect(
      client(sim.url, { api: "invoke" }).stream({ model: unknown, prompt: PROMPT, maxTokens: 3 }),
    );
    assertEquals(refused.length, 1);
    assert(refused[0].kind === "error" && refused[0].code === 400, JSON.stringify(refused));
    assertEquals(sim.log().length, 0);
    const t = await timeStream(
      client(sim.url, { api: "invoke", family: "meta-llama" }).stream({
        model: unknown,
        prompt: PROMPT,
        maxTokens: 3,
      }),
    );
    assertEquals(t.error, null);
    assertEquals(t.chunkArrivalMs.length, 3);
    assertEquals(sim.log()[0].model, unknown);
  });
});

Deno.test("createBedrockClient() turns an abort mid-stream into a 499 error, a timeout into 408", async () => {
  await withFakeAws(async () => {
    await using sim = await startBedrockSim({ ttftMs: 5, itlMs: 20 });
    for (const api of ["converse", "invoke"] as const) {
      const controller = new AbortController();
      const events: StreamEvent[] = [];
      for await (
        const event of client(sim.url, { api }).stream({
          model: "anthropic.claude-instant-v1",
          prompt: PROMPT,
          maxTokens: 50,
          signal: controller.signal,
        })
      ) {
        events.push(event);
        if (events.filter((e) => e.kind === "content").length === 2) controller.abort();
      }
      assertEquals(events.filter((e) => e.kind === "content").length, 2);
      const last = events.at(-1);
      assert(last?.kind === "error" && last.code === 499, JSON.stringify(last));
      const timedOut = await collect(
        client(sim.url, { api }).stream({
          model: "anthropic.claude-instant-v1",
          prompt: PROMPT,
          maxTokens: 50,
          signal: AbortSignal.timeout(60),
        }),
      );
      const error = timedOut.at(-1);
      assert(error?.kind === "error" && error.code === 408, JSON.stringify(error));
      assert(timedOut.filter((e) => e.kind === "content").length > 0, "some tokens first");
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert(sim.log().every((l) => l.disconnected), "the simulator saw the client go away");
  });
});

Deno.test("createBedrockClient() never yields or throws the AWS secret key", async () => {
  await withFakeAws(async () => {
    const seen: string[] = [];
    const record = (x: unknown) =>
      seen.push(JSON.stringify(x, (_k, v) => v instanceof Error ? `${v.name}: ${v.message}` : v));
    await using sim = await startBedrockSim({
      ttftMs: 5,
      itlMs: 1,
      streamErrorRate: 0.5,
      errorRate: 0.3,
      seed: 2,
    });
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadUrl = `http://127.0.0.1:${closed.addr.port}`;
    closed.close();
    let tokens = 0;
    for (const api of ["converse", "invoke"] as const) {
      for (const url of [sim.url, sim.url, sim.url, sim.url, deadUrl]) {
        const events = await collect(
          client(url, { api }).stream({
            model: "anthropic.claude-v2",
            prompt: PROMPT,
            maxTokens: 4,
          }),
        );
        tokens += events.filter((e) => e.kind === "content").length;
        record(events);
      }
    }
    assert(tokens > 0, "some requests streamed");
    assert(seen.some((s) => s.includes('"code":599')), "the dead endpoint gave a network error");
    // An SDK error whose message carries the secret (as a signing failure might) is sanitised.
    const leaky = new BedrockRuntimeClient({ region: "us-east-1" });
    leaky.send = (() =>
      Promise.reject(
        Object.assign(new Error(`Signature mismatch: secret ${SECRET}, key ${ACCESS_KEY_ID}`), {
          name: "InvalidSignatureException",
          $metadata: { httpStatusCode: 403 },
        }),
      )) as typeof leaky.send;
    const leakyEvents = await collect(
      createBedrockClient({ client: leaky }).stream({ model: "m.x", prompt: PROMPT, maxTokens: 1 }),
    );
    record(leakyEvents);
    const leakyError = leakyEvents.at(-1);
    assert(leakyError?.kind === "error" && leakyError.code === 403, JSON.stringify(leakyError));
    // Bad options throw before any request, without the environment in their messages.
    for (const bad of [{ retries: -1 }, { api: "x" }, { endpointUrl: "not a url" }]) {
      record(await assertRejects(() => createBedrockClient(bad as BedrockClientOptions)));
    }
    const all = seen.join("\n");
    assert(!all.includes(SECRET), "the secret key leaked");
    assert(!all.includes(ACCESS_KEY_ID), "the access key id leaked");
    assert(!all.includes(SECRET.slice(0, 20)), "part of the secret key leaked");
  });
});

Deno.test("createBedrockClient() stamps the signed request's hand-over to the HTTP handler, and loads the SDK on first use", async () => {
  await withFakeAws(async () => {
    await using sim = await startBedrockSim({ ttftMs: 20, itlMs: 1 });
    const bedrock = client(sim.url);
    const request = { model: "amazon.nova-lite-v1:0", prompt: PROMPT, maxTokens: 3 };
    const first = await collectSent(bedrock.stream(request));
    const second = await collectSent(bedrock.stream(request));
    assertEquals([first.sent?.newConnection, second.sent?.newConnection], [true, false]);
    const t = await timeStream(bedrock.stream(request));
    assert(t.requestSentMs !== null && t.headersMs !== null, JSON.stringify(t));
    assert(t.requestSentMs <= t.headersMs, `${t.requestSentMs} > ${t.headersMs}`);
    // The simulator waits 20 ms before the first token, counted from the request's arrival.
    assert(t.ttftMs !== null && t.ttftMs - t.requestSentMs >= 19, `${t.ttftMs}`);
  });
});

Deno.test("createBedrockClient() sends through the http1 transport when given its fetch, signed and streamed as with fetch", async () => {
  const { createHttp1Fetch } = await import("../../lib/clients/http1_fetch.ts");
  await withFakeAws(async () => {
    await using sim = await startBedrockSim({ ttftMs: 5, itlMs: 1, seed: 5 });
    const fetch1 = createHttp1Fetch();
    try {
      for (const api of ["converse", "invoke"] as const) {
        sim.clearLog();
        const bedrock = client(sim.url, { api, fetch: fetch1 });
        const t = await timeStream(
          bedrock.stream({ model: "anthropic.claude-instant-v1", prompt: PROMPT, maxTokens: 6 }),
        );
        assertEquals(t.error, null);
        assertEquals(t.httpStatus, 200);
        const [truth] = sim.log();
        assertEquals(truth.outputTokens, 6);
        assertEquals(t.chunkArrivalMs.length, 6);
        // Signed: the simulator saw an Authorization header (kept redacted) and the SigV4 date.
        assertEquals(truth.headers.authorization, "[redacted]");
        assert("x-amz-date" in truth.headers, Object.keys(truth.headers).join(", "));
      }
      // Both requests went over the one kept-alive connection of the http1 transport.
      assertEquals(fetch1.connectionsOpened, 1);
    } finally {
      fetch1.close();
    }
  });
});

Deno.test("createBedrockClient().prepare() builds the SDK client and resolves credentials, sending nothing", async () => {
  await withFakeAws(async () => {
    await using sim = await startBedrockSim({ ttftMs: 1, itlMs: 1 });
    const bedrock = client(sim.url);
    assert(bedrock.prepare !== undefined, "a prepare");
    await bedrock.prepare();
    assertEquals(sim.log().length, 0);
    const t = await timeStream(
      bedrock.stream({ model: "anthropic.claude-instant-v1", prompt: PROMPT, maxTokens: 3 }),
    );
    assertEquals([t.error, t.chunkArrivalMs.length], [null, 3]);
  });
  // Without credentials the chain fails: prepare rejects (its callers carry on without it).
  await withEnv({
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
    AWS_CONFIG_FILE: "/nonexistent/config",
    AWS_EC2_METADATA_DISABLED: "true",
  }, () => assertRejects(() => client("http://127.0.0.1:9").prepare!()));
});
