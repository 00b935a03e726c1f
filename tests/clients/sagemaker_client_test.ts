/**
 * The real AWS SDK (`@aws-sdk/client-sagemaker-runtime`) streaming through the simulator's
 * SageMaker wire format, and the client's line decoding on hand-made payload parts. Every test
 * asserts the number of tokens received, so an SDK that returns no events cannot pass.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import { collect } from "../_events.ts";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import {
  createSageMakerClient,
  type SageMakerClientOptions,
  sagemakerErrorEvent,
} from "../../lib/clients/sagemaker_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { StreamEvent } from "../../lib/core/stream_event.ts";
import { timeStream } from "../../lib/core/time_stream.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import { runBenchmark } from "../../lib/run/run_benchmark.ts";

const SECRET = ("TokenbenchFakeSecretDoNotLeak/" + "0123456789abcdef").slice(0, 40);
const ACCESS_KEY_ID = "AKIATOKENBENCHFAKE02";
const PROMPT = "Randomly stream lines from the following text. The quick brown fox.";

async function withFakeAws<T>(fn: () => Promise<T>): Promise<T> {
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
  const saved = names.map((n) => Deno.env.get(n));
  Deno.env.set("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID);
  Deno.env.set("AWS_SECRET_ACCESS_KEY", SECRET);
  Deno.env.delete("AWS_SESSION_TOKEN");
  try {
    return await fn();
  } finally {
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
}

function client(url: string, options: SageMakerClientOptions = {}) {
  return createSageMakerClient({ region: "us-east-1", endpointUrl: url, ...options });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** An SDK stand-in whose `send` records the command input and answers with these parts. */
function fakeSdk(parts: (string | Uint8Array)[] | Error) {
  const inputs: Record<string, unknown>[] = [];
  const sdk = new SageMakerRuntimeClient({ region: "us-east-1" });
  sdk.send = ((command: { input: Record<string, unknown> }) => {
    inputs.push(command.input);
    if (parts instanceof Error) return Promise.reject(parts);
    async function* body() {
      for (const part of parts as (string | Uint8Array)[]) {
        yield {
          PayloadPart: { Bytes: typeof part === "string" ? new TextEncoder().encode(part) : part },
        };
      }
    }
    return Promise.resolve({ Body: body() });
  }) as typeof sdk.send;
  return { sdk, inputs };
}

for (const payload of ["tgi", "messages"] as const) {
  Deno.test(`createSageMakerClient() ${payload} streams through the simulator with its tokens and timings`, async () => {
    await withFakeAws(async () => {
      await using sim = await startSimulator({ ttftMs: 30, itlMs: 3, seed: 3 });
      const tokenizer = createTokenizer("cl100k_base");
      try {
        const sagemaker = client(sim.url, { payload });
        const maxTokens = 12;
        const lags = { ttft: [] as number[], e2e: [] as number[], headers: [] as number[] };
        for (let i = 0; i < 4; i++) {
          sim.clearLog();
          const t = await timeStream(
            sagemaker.stream({ model: "tgi-llama-3-8b", prompt: PROMPT, maxTokens }),
          );
          const [truth] = sim.log();
          assertEquals(t.error, null);
          assertEquals(truth.format, "sagemaker");
          assertEquals(truth.model, "tgi-llama-3-8b");
          assertEquals(truth.path, "/endpoints/tgi-llama-3-8b/invocations-response-stream");
          assertEquals(truth.outputTokens, maxTokens);
          assertEquals(t.chunkArrivalMs.length, maxTokens);
          assertEquals(tokenizer.countTokens(t.text), truth.outputTokens);
          assertEquals(t.usage.outputTokens, truth.outputTokens);
          assertEquals(t.usage.inputTokens, truth.inputTokens);
          assertEquals(t.chunkSentEpochMs, truth.chunkSentEpochMs);
          assertEquals(t.finishReason, "length");
          assertEquals(t.httpStatus, 200);
          if (i === 0) continue;
          lags.ttft.push(t.ttftMs! - (truth.chunkSentEpochMs[0] - t.startEpochMs));
          lags.e2e.push(t.endMs - (truth.endSentEpochMs! - t.startEpochMs));
          lags.headers.push(t.headersMs! - (truth.headersSentEpochMs! - t.startEpochMs));
        }
        for (const [name, values] of Object.entries(lags)) {
          assertAlmostEquals(median(values), 2.45, 2.55, `${name} lag ${values.join(", ")} ms`);
        }
      } finally {
        tokenizer.free();
      }
    });
  });
}

Deno.test("createSageMakerClient() sends TGI and Messages bodies to the endpoint named by the model", async () => {
  const { sdk, inputs } = fakeSdk([]);
  const request = {
    model: "my-endpoint",
    prompt: "Hi",
    maxTokens: 7,
    samplingParams: { temperature: 0, top_p: 0.9 },
  };
  await collect(
    createSageMakerClient({ client: sdk, customAttributes: "accept_eula=true" }).stream(request),
  );
  await collect(createSageMakerClient({ client: sdk, payload: "messages" }).stream(request));
  assertEquals(inputs[0].EndpointName, "my-endpoint");
  assertEquals(inputs[0].CustomAttributes, "accept_eula=true");
  const decode = (i: number) => JSON.parse(new TextDecoder().decode(inputs[i].Body as Uint8Array));
  // TGI rejects temperature 0: greedy decoding is asked for with do_sample false.
  assertEquals(decode(0), {
    inputs: "Hi",
    parameters: { max_new_tokens: 7, details: true, top_p: 0.9, do_sample: false },
    stream: true,
  });
  assertEquals(decode(1), {
    messages: [{ role: "user", content: "Hi" }],
    max_tokens: 7,
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0,
    top_p: 0.9,
  });
});

Deno.test("createSageMakerClient() reassembles lines split across payload parts, with or without data:", async () => {
  const line = (text: string) => JSON.stringify({ token: { text, special: false } });
  const whole = `data:${line("Hello")}\n\ndata:${line(" wide")}\n\n` +
    `{"token":{"text":" world"}}\n` + // LMI JSON lines: no prefix
    `data:${
      JSON.stringify({
        token: { text: "</s>", special: true },
        generated_text: "Hello wide world",
        details: { finish_reason: "eos_token", generated_tokens: 3, input_length: 5 },
      })
    }`; // last line without a newline
  const bytes = new TextEncoder().encode(whole);
  for (const size of [1, 5, 17, bytes.length]) {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) parts.push(bytes.slice(i, i + size));
    const { sdk } = fakeSdk(parts);
    const events = await collect(
      createSageMakerClient({ client: sdk }).stream({ model: "e", prompt: "x", maxTokens: 3 }),
    );
    const texts = events.filter((e) => e.kind === "content").map((e) =>
      (e as { text: string }).text
    );
    assertEquals(texts, ["Hello", " wide", " world"], `parts of ${size} bytes`);
    assertEquals(events.filter((e) => e.kind === "message").length, parts.length);
    assertEquals(events.at(-2), { kind: "usage", outputTokens: 3, inputTokens: 5 });
    assertEquals(events.at(-1), { kind: "done", finishReason: "eos_token" });
  }
  // A line that is not JSON is a malformed stream (599).
  const { sdk } = fakeSdk(["data:{oops\n\n"]);
  const bad = await collect(
    createSageMakerClient({ client: sdk }).stream({ model: "e", prompt: "x", maxTokens: 3 }),
  );
  assert(bad.at(-1)?.kind === "error" && (bad.at(-1) as { code: number }).code === 599);
});

Deno.test("createSageMakerClient() maps SageMaker's HTTP errors to codes and names", async () => {
  const expected: [number, number, string][] = [
    [400, 400, "ValidationError"],
    [429, 429, "ThrottlingException"],
    [500, 500, "InternalFailure"],
    [503, 503, "ServiceUnavailable"],
    [404, 404, "ModelError"], // the container's 404 inside a 424 ModelError
  ];
  await withFakeAws(async () => {
    for (const [status, code, name] of expected) {
      await using sim = await startSimulator({ errorRate: 1, errorStatuses: [status] });
      const events = await collect(
        client(sim.url).stream({ model: "e", prompt: PROMPT, maxTokens: 4 }),
      );
      assertEquals(events.filter((e) => e.kind === "content").length, 0);
      const error = events.at(-1);
      assert(error?.kind === "error", JSON.stringify(events));
      assertEquals([error.code, error.name], [code, name]);
      assert(error.message.startsWith(`${name}: `), error.message);
    }
  });
});

Deno.test("createSageMakerClient() maps mid-stream failures: stream exceptions and TGI error lines", async () => {
  const expected: [number, number, string][] = [
    [408, 408, "ModelStreamError"],
    [500, 500, "InternalStreamFailure"],
    [429, 429, "overloaded"],
    [403, 424, "ModelStreamError"],
  ];
  await withFakeAws(async () => {
    for (const [status, code, name] of expected) {
      await using sim = await startSimulator({
        ttftMs: 5,
        itlMs: 1,
        streamErrorRate: 1,
        errorStatuses: [status],
        seed: 8,
      });
      const t = await timeStream(
        client(sim.url).stream({ model: "e", prompt: PROMPT, maxTokens: 6 }),
      );
      const [truth] = sim.log();
      assertEquals(t.chunkArrivalMs.length, truth.chunkSentEpochMs.length);
      assertEquals(t.httpStatus, 200);
      assertEquals([t.error?.code, t.error?.name], [code, name], JSON.stringify(t.error));
    }
    // The run goes on past mid-stream errors.
    await using sim = await startSimulator({
      ttftMs: 5,
      itlMs: 1,
      streamErrorRate: 0.5,
      errorStatuses: [429],
      seed: 12,
    });
    const result = await runBenchmark(client(sim.url), {
      model: "e",
      prompt: () => ({ prompt: PROMPT, inputTokens: 14, maxOutputTokens: 6 }),
      concurrency: 1,
      maxRequests: 8,
    });
    const errors = result.records.filter((r) => r.status === "error");
    assertEquals(result.records.length, 8);
    assert(errors.length > 0 && errors.length < 8, `${errors.length} errors`);
    assert(errors.every((r) => r.errorCode === 429));
    assert(
      result.records.filter((r) => r.status === "ok").every((r) => r.outputTokens === 6),
      "ok records have all their tokens",
    );
  });
});

Deno.test("createSageMakerClient() turns an abort into 499 and a timeout into 408", async () => {
  await withFakeAws(async () => {
    await using sim = await startSimulator({ ttftMs: 5, itlMs: 20 });
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    for await (
      const event of client(sim.url).stream({
        model: "e",
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
      client(sim.url).stream({
        model: "e",
        prompt: PROMPT,
        maxTokens: 50,
        signal: AbortSignal.timeout(60),
      }),
    );
    const error = timedOut.at(-1);
    assert(error?.kind === "error" && error.code === 408, JSON.stringify(error));
  });
});

Deno.test("createSageMakerClient() never yields the AWS secret key, and checks its options", async () => {
  await withFakeAws(async () => {
    const leaky = new Error(`Signature mismatch: secret ${SECRET}, key ${ACCESS_KEY_ID}`);
    Object.assign(leaky, { name: "InvalidSignatureException", $metadata: { httpStatusCode: 403 } });
    const { sdk } = fakeSdk(leaky);
    const events = await collect(
      createSageMakerClient({ client: sdk }).stream({ model: "e", prompt: "x", maxTokens: 1 }),
    );
    const text = JSON.stringify(events);
    assert(events.at(-1)?.kind === "error" && text.includes('"code":403'), text);
    assert(!text.includes(SECRET) && !text.includes(ACCESS_KEY_ID), text);
    // A ModelError keeps the container's own status.
    const modelError = sagemakerErrorEvent(
      Object.assign(new Error("boom"), {
        name: "ModelError",
        OriginalStatusCode: 503,
        $metadata: { httpStatusCode: 424 },
      }),
    );
    assertEquals(modelError.code, 503);
    for (const bad of [{ retries: -1 }, { payload: "x" }, { endpointUrl: "not a url" }]) {
      await assertRejects(() => createSageMakerClient(bad as SageMakerClientOptions));
    }
  });
});
