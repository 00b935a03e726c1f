import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { createRandom } from "../../lib/core/random.ts";
import {
  createSendGate,
  planResponse,
  playPlan,
  type SimBehaviour,
  type SimStep,
} from "../../lib/sim/sim_plan.ts";
import { createSimVocabulary } from "../../lib/sim/sim_vocabulary.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createTokenizer, TOKENIZER_NAMES } from "../../lib/core/tokenizer.ts";

const BEHAVIOUR: SimBehaviour = {
  ttftMs: 100,
  itlMs: 10,
  jitterMs: 0,
  tokensPerChunk: 3,
  errorRate: 0,
};
const TOY = { words: ["alpha", "beta", "gamma"], overheadTokens: 0 };
const toyCount = (text: string) => text.split(/\s+/).filter((w) => w !== "").length;

function options(behaviour: SimBehaviour, seed = 1) {
  return { behaviour, random: createRandom(seed), vocabulary: TOY, countTokens: toyCount };
}

/** Posts an OpenAI request to a simulator and returns the parsed SSE `data` payloads. */
async function post(url: string, body: Record<string, unknown>, path = "/v1/chat/completions") {
  const response = await fetch(url + path, { method: "POST", body: JSON.stringify(body) });
  const text = await response.text();
  const data = text.split("\n\n").filter((f) => f.startsWith("data: ")).map((f) => f.slice(6));
  return { response, text, data };
}

Deno.test("planResponse() gives maxTokens tokens in chunks of tokensPerChunk at ttft + itl steps", () => {
  const plan = planResponse({ prompt: "a b c d", maxTokens: 10 }, options(BEHAVIOUR));
  assertEquals(plan.inputTokens, 4);
  assertEquals(plan.outputTokens, 10);
  assertEquals(plan.finishReason, "length");
  assertEquals(plan.chunks.map((c) => c.tokens), [3, 3, 3, 1]);
  assertEquals(plan.chunks.map((c) => c.atMs), [100, 130, 160, 190]);
  assertEquals(plan.endAtMs, 190);
  assertEquals(toyCount(plan.chunks.map((c) => c.text).join("")), 10);
  assertEquals(plan.chunks[0].text.startsWith(" "), false);
  assert(plan.chunks.slice(1).every((c) => c.text.startsWith(" ")));
});

Deno.test("planResponse() stops early with finish 'stop' when outputTokens < maxTokens", () => {
  const plan = planResponse(
    { prompt: "", maxTokens: 10 },
    options({ ...BEHAVIOUR, outputTokens: 4 }),
  );
  assertEquals(plan.outputTokens, 4);
  assertEquals(plan.finishReason, "stop");
  const zero = planResponse({ prompt: "", maxTokens: 0 }, options(BEHAVIOUR));
  assertEquals(zero.chunks, []);
  assertEquals(zero.outputTokens, 0);
});

Deno.test("planResponse() is reproducible from the seed and jitter stays within bounds", () => {
  const behaviour = { ...BEHAVIOUR, jitterMs: 4, tokensPerChunk: 1 };
  const a = planResponse({ prompt: "x", maxTokens: 50 }, options(behaviour, 7));
  const b = planResponse({ prompt: "x", maxTokens: 50 }, options(behaviour, 7));
  const c = planResponse({ prompt: "x", maxTokens: 50 }, options(behaviour, 8));
  assertEquals(a, b);
  assert(JSON.stringify(a) !== JSON.stringify(c));
  assert(a.chunks[0].atMs >= 96 && a.chunks[0].atMs <= 104);
  for (let i = 1; i < a.chunks.length; i++) {
    const gap = a.chunks[i].atMs - a.chunks[i - 1].atMs;
    assert(gap >= 6 && gap <= 14, `gap ${gap}`);
  }
});

Deno.test("planResponse() injects HTTP errors and in-stream errors at their rates", () => {
  const http = planResponse(
    { prompt: "", maxTokens: 5 },
    options({ ...BEHAVIOUR, errorRate: 1, errorStatuses: [429] }),
  );
  assertEquals(http.error?.where, "http");
  assertEquals(http.error?.status, 429);
  assertEquals(http.chunks, []);
  let broken = 0;
  for (let seed = 0; seed < 200; seed++) {
    const plan = planResponse(
      { prompt: "", maxTokens: 9 },
      options({ ...BEHAVIOUR, streamErrorRate: 0.25 }, seed),
    );
    if (plan.error) {
      broken++;
      assertEquals(plan.error.where, "stream");
      assert(plan.chunks.length <= 3);
      assert(plan.error.atMs >= (plan.chunks.at(-1)?.atMs ?? 0));
    } else {
      assertEquals(plan.outputTokens, 9);
    }
  }
  assert(broken > 25 && broken < 75, `${broken} of 200 broken at rate 0.25`);
});

Deno.test("planResponse() rejects bad tokensPerChunk and maxTokens", async () => {
  await assertRejects(
    () => planResponse({ prompt: "", maxTokens: 1 }, options({ ...BEHAVIOUR, tokensPerChunk: 0 })),
    RangeError,
    "'tokensPerChunk' must be a positive integer, got 0",
  );
  await assertRejects(
    () => planResponse({ prompt: "", maxTokens: -1 }, options(BEHAVIOUR)),
    RangeError,
    "'maxTokens'",
  );
});

Deno.test("playPlan() sends against absolute times: never early, lateness does not accumulate", async () => {
  const chunks = Array.from({ length: 60 }, (_, index) => ({
    index,
    text: "x",
    tokens: 1,
    atMs: 5 + index * 2,
  }));
  const plan = {
    inputTokens: 1,
    outputTokens: 60,
    finishReason: "length" as const,
    openAtMs: 0,
    chunks,
    endAtMs: chunks.at(-1)!.atMs,
  };
  const arrivalMs = performance.now();
  const late: number[] = [];
  const kinds: string[] = [];
  await playPlan(plan, {
    arrivalMs,
    send(step, sentAtEpochMs) {
      kinds.push(step.kind);
      late.push(sentAtEpochMs - performance.timeOrigin - (arrivalMs + step.atMs));
    },
  });
  assertEquals(kinds.length, 62);
  assert(late.every((l) => l >= 0), `sent early: ${Math.min(...late)}`);
  // 60 chained 2 ms timers drift by about 1 ms each (~60 ms); absolute scheduling keeps the end
  // within a timer's lateness (the bound leaves room for a busy machine).
  assert(late.at(-1)! < 20, `last step ${late.at(-1)} ms late`);
});

Deno.test("playPlan() stops sending when the signal aborts", async () => {
  const controller = new AbortController();
  const sent: SimStep[] = [];
  const plan = {
    inputTokens: 0,
    outputTokens: 2,
    finishReason: "length" as const,
    openAtMs: 0,
    chunks: [
      { index: 0, text: "a", tokens: 1, atMs: 0 },
      { index: 1, text: " b", tokens: 1, atMs: 10_000 },
    ],
    endAtMs: 10_000,
  };
  const started = performance.now();
  const playing = playPlan(plan, {
    arrivalMs: started,
    signal: controller.signal,
    send: (s) => void sent.push(s),
  });
  setTimeout(() => controller.abort(), 20);
  assertEquals(await playing, 2);
  assert(performance.now() - started < 1000);
  assertEquals(sent.map((s) => s.kind), ["open", "chunk"]);
});

Deno.test("createSimVocabulary() words count as exactly one token each for every tokenizer", () => {
  for (const name of TOKENIZER_NAMES) {
    const tokenizer = createTokenizer(name);
    try {
      const vocabulary = createSimVocabulary(tokenizer);
      assert(vocabulary.words.length >= 500, `${name}: ${vocabulary.words.length} words`);
      const random = createRandom(3);
      const words = Array.from(
        { length: 700 },
        () => vocabulary.words[Math.floor(random() * vocabulary.words.length)],
      );
      assertEquals(
        tokenizer.countTokens(words.join(" ")),
        700 + vocabulary.overheadTokens,
        name,
      );
      assertEquals(vocabulary.overheadTokens, tokenizer.countTokens(""), name);
    } finally {
      tokenizer.free();
    }
  }
});

Deno.test("startSimulator() streams a role chunk, exact-count content, finish, usage and [DONE]", async () => {
  await using sim = await startSimulator({ ttftMs: 10, itlMs: 1, tokensPerChunk: 2 });
  const { response, text, data } = await post(sim.url, {
    model: "sim-model",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Say hi" }],
    max_tokens: 7,
    stream: true,
    stream_options: { include_usage: true },
  });
  assertEquals(response.status, 200);
  assert(response.headers.get("content-type")!.startsWith("text/event-stream"));
  assert(text.endsWith("data: [DONE]\n\n"));
  assertEquals(data.at(-1), "[DONE]");
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  assertEquals(chunks[0].choices[0].delta, { role: "assistant", content: "" });
  const contents = chunks.slice(1, -2).map((c) => c.choices[0].delta.content);
  assertEquals(contents.length, 4);
  const finish = chunks.at(-2);
  assertEquals(finish.choices[0].finish_reason, "length");
  const usage = chunks.at(-1);
  assertEquals(usage.choices, []);
  assertEquals(usage.usage.completion_tokens, 7);
  assert(chunks.every((c) => typeof c.tokenbench_sent_at_ms === "number"));
  assert(chunks.every((c) => c.model === "sim-model"));
  const tokenizer = createTokenizer("cl100k_base");
  try {
    assertEquals(tokenizer.countTokens(contents.join("")), 7);
    assertEquals(usage.usage.prompt_tokens, tokenizer.countTokens("Be brief.\nSay hi"));
  } finally {
    tokenizer.free();
  }
  const [log] = sim.log();
  assertEquals(log.outputTokens, 7);
  assertEquals(log.chunkTokens, [2, 2, 2, 1]);
  assertEquals(log.chunkSentEpochMs, chunks.slice(1, -2).map((c) => c.tokenbench_sent_at_ms));
  assertEquals(log.finishReason, "length");
  assertEquals(log.disconnected, false);
});

Deno.test("startSimulator() omits the usage chunk unless asked and honours max_completion_tokens", async () => {
  await using sim = await startSimulator({ ttftMs: 0, itlMs: 0 });
  const { data } = await post(sim.url, {
    model: "m",
    messages: [{ role: "user", content: "x" }],
    max_tokens: 50,
    max_completion_tokens: 3,
    stream: true,
  });
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  assert(chunks.every((c) => c.choices.length === 1 && !("usage" in c)));
  assertEquals(chunks.filter((c) => c.choices[0].delta.content).length, 3);
  assertEquals(sim.log()[0].maxTokens, 3);
});

Deno.test("startSimulator() serves /v1/completions streamed and both endpoints unstreamed", async () => {
  await using sim = await startSimulator({ ttftMs: 0, itlMs: 0, tokenizer: "llama2" });
  const streamed = await post(
    sim.url,
    { model: "m", prompt: "Once", max_tokens: 5, stream: true },
    "/v1/completions",
  );
  const chunks = streamed.data.slice(0, -1).map((d) => JSON.parse(d));
  assertEquals(chunks[0].object, "text_completion");
  const text = chunks.map((c) => c.choices[0].text).join("");
  const llama = createTokenizer("llama2");
  assertEquals(llama.countTokens(text), 5 + llama.countTokens(""));
  const whole = await (await fetch(sim.url + "/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 4 }),
  })).json();
  assertEquals(whole.object, "chat.completion");
  assertEquals(whole.usage.completion_tokens, 4);
  assertEquals(llama.countTokens(whole.choices[0].message.content), 4 + llama.countTokens(""));
  const completion = await (await fetch(sim.url + "/v1/completions", {
    method: "POST",
    body: JSON.stringify({ model: "m", prompt: "x", max_tokens: 2 }),
  })).json();
  assertEquals(completion.usage.completion_tokens, 2);
});

Deno.test("startSimulator() injects HTTP errors with a JSON error body", async () => {
  await using sim = await startSimulator({ errorRate: 1, errorStatuses: [503] });
  const { response, text } = await post(sim.url, {
    model: "m",
    messages: [{ role: "user", content: "x" }],
    max_tokens: 5,
    stream: true,
  });
  assertEquals(response.status, 503);
  const body = JSON.parse(text);
  assertEquals(body.error.code, 503);
  assert(body.error.message.includes("503"));
  assertEquals(sim.log()[0].error?.where, "http");
  assertEquals(sim.log()[0].status, 503);
});

Deno.test("startSimulator() can break a stream with an in-stream error chunk", async () => {
  await using sim = await startSimulator({ ttftMs: 0, itlMs: 0, streamErrorRate: 1 });
  const { response, data } = await post(sim.url, {
    model: "m",
    messages: [{ role: "user", content: "x" }],
    max_tokens: 20,
    stream: true,
  });
  assertEquals(response.status, 200);
  const last = JSON.parse(data.at(-2)!);
  assert(last.error.code === 500 || last.error.code === 429);
  assertEquals(sim.log()[0].error?.where, "stream");
  assert(sim.log()[0].outputTokens < 20);
});

Deno.test("startSimulator() rejects bad requests, unknown routes and wrong keys", async () => {
  await using sim = await startSimulator({ apiKey: "sk-test-secret-1234" });
  const bad = await fetch(sim.url + "/v1/chat/completions", {
    method: "POST",
    headers: { authorization: "Bearer sk-test-secret-1234" },
    body: "{not json",
  });
  assertEquals(bad.status, 400);
  assert((await bad.json()).error.message.includes("JSON"));
  const missing = await fetch(sim.url + "/v1/chat/completions", {
    method: "POST",
    headers: { authorization: "Bearer sk-test-secret-1234" },
    body: JSON.stringify({ model: "m" }),
  });
  assertEquals(missing.status, 400);
  await missing.body?.cancel();
  const wrongKey = await fetch(sim.url + "/v1/chat/completions", {
    method: "POST",
    headers: { authorization: "Bearer nope" },
    body: "{}",
  });
  assertEquals(wrongKey.status, 401);
  await wrongKey.body?.cancel();
  const nowhere = await fetch(sim.url + "/v2/else");
  assertEquals(nowhere.status, 404);
  await nowhere.body?.cancel();
  const logText = JSON.stringify(await (await fetch(sim.url + "/_sim/log")).json());
  assert(!logText.includes("sk-test-secret-1234"));
  assert(!logText.includes("nope"));
  assert(logText.includes('"authorization":"[redacted]"'));
});

Deno.test("startSimulator() stops sending to a client that went away", async () => {
  await using sim = await startSimulator({ ttftMs: 0, itlMs: 5 });
  const controller = new AbortController();
  const response = await fetch(sim.url + "/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      max_tokens: 1000,
      stream: true,
    }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  await reader.read();
  controller.abort();
  await reader.cancel().catch(() => {});
  // Poll (up to 2 s) until the simulator has noticed.
  for (let i = 0; i < 100 && !sim.log()[0].disconnected; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const [log] = sim.log();
  assert(log.disconnected, "the simulator saw the client go");
  const sentSoFar = log.outputTokens;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assertEquals(sim.log()[0].outputTokens, sentSoFar);
  assert(sentSoFar < 1000);
  assertEquals(log.endSentEpochMs, null);
});

Deno.test("startSimulator() serves its log and info over HTTP and runs beside another one", async () => {
  await using a = await startSimulator({ ttftMs: 0, itlMs: 0, seed: 5 });
  await using b = await startSimulator({ ttftMs: 0, itlMs: 0, seed: 5 });
  assert(a.port !== b.port);
  const body = {
    model: "m",
    messages: [{ role: "user", content: "x" }],
    max_tokens: 8,
    stream: true,
  };
  const fromA = await post(a.url, body);
  const fromB = await post(b.url, body);
  const text = (data: string[]) =>
    data.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "").join("");
  assertEquals(text(fromA.data), text(fromB.data));
  const log = await (await fetch(a.url + "/_sim/log")).json();
  assertEquals(log.requests.length, 1);
  assertEquals(log.requests[0].outputTokens, 8);
  const info = await (await fetch(a.url + "/_sim/info")).json();
  assertEquals(info.simulator, "tokenbench");
  assertEquals(info.seed, 5);
  assertEquals(info.behaviour.itlMs, 0);
  assertEquals((await fetch(a.url + "/_sim/log", { method: "DELETE" })).status, 204);
  assertEquals(a.log(), []);
  assertEquals(b.log().length, 1);
});

Deno.test("startSimulator() sends chunks at their planned time, never early and rarely 5 ms late", async () => {
  await using sim = await startSimulator({ ttftMs: 50, itlMs: 10 });
  // Strict checks, tried up to three times so that a CPU spike from another process does not
  // fail the suite while a systematic scheduling error still does.
  const failures: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    await post(sim.url, {
      model: "m",
      messages: [{ role: "user", content: "x" }],
      max_tokens: 20,
      stream: true,
    });
    const log = sim.log().at(-1)!;
    assertEquals(log.chunkSentEpochMs.length, 20);
    const late = log.chunkSentEpochMs.map((sent, i) =>
      sent - log.arrivalEpochMs - log.chunkPlannedMs[i]
    );
    // Never early (exact: scheduling re-checks the clock); late by under 5 ms for at least 90%
    // of the chunks.
    assert(late.every((l) => l >= 0), `sent early: ${Math.min(...late)} ms`);
    const sorted = late.toSorted((x, y) => x - y);
    if (sorted[17] < 5) return;
    failures.push(`attempt ${attempt}: ${late.map((l) => l.toFixed(2)).join(" ")}`);
  }
  assert(false, failures.join("; "));
});

Deno.test("startSimulator() rejects bad options with a RangeError naming them", async () => {
  await assertRejects(() => startSimulator({ itlMs: -1 }), RangeError, "'itlMs'");
  await assertRejects(() => startSimulator({ errorRate: 2 }), RangeError, "'errorRate'");
  await assertRejects(
    () => startSimulator({ tokensPerChunk: 1.5 }),
    RangeError,
    "'tokensPerChunk'",
  );
});

Deno.test("Simulator.close() ends open streams promptly and frees the port", async () => {
  const sim = await startSimulator({ ttftMs: 0, itlMs: 50 });
  const response = await fetch(sim.url + "/v1/chat/completions", {
    method: "POST",
    body: JSON.stringify({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      max_tokens: 500,
      stream: true,
    }),
  });
  const reader = response.body!.getReader();
  await reader.read();
  const started = performance.now();
  await sim.close();
  assert(performance.now() - started < 1000, "close waited for the stream");
  let rest = "";
  const decoder = new TextDecoder();
  while (true) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) break;
    rest += decoder.decode(value);
  }
  assert(!rest.includes("[DONE]"));
  await sim.close();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: sim.port });
  listener.close();
});

Deno.test("createSendGate() lets the event loop turn between slices of sends", async () => {
  const gate = createSendGate({ sliceMs: 0.5 });
  const order: string[] = [];
  // Another event already waiting (as the server's writes wait for the turn to end).
  const channel = new MessageChannel();
  channel.port1.onmessage = () => void order.push("io");
  channel.port2.postMessage(0);
  const busy = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) { /* making a chunk */ }
  };
  await Promise.all(Array.from({ length: 40 }, async () => {
    for (let wait = gate(); wait; wait = gate()) await wait;
    busy(0.1);
    order.push("send");
  }));
  channel.port1.close();
  const io = order.indexOf("io");
  assertEquals(order.length, 41);
  assert(io > 0 && io < 15, `the other event ran after ${io} of 40 sends`);
  // Closing releases whoever waits.
  const closing = createSendGate({ sliceMs: 0 });
  assertEquals(closing(), null);
  const waiting = closing();
  assert(waiting !== null);
  closing.close();
  await waiting;
});
