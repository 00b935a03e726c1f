/**
 * Fault injection: every fault the simulator can inject, run through the real client and runner.
 * Each run must complete, classify the fault (an error record with the right code, or a correct
 * ok record for benign faults), keep `started = ok + errors`, and never lose or mix up the
 * other requests (each ok record is matched to the simulator's log by its chunks' send stamps).
 */
import { assert, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { SimRequestLog } from "../../lib/sim/simulator.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { createBedrockClient } from "../../lib/clients/bedrock_client.ts";
import { runBenchmark } from "../../lib/run/run_benchmark.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";
import {
  applySimFault,
  createSimFaultPicker,
  parseSimFault,
  SIM_FAULT_KINDS,
  type SimFault,
  type SimFaultKind,
  validateSimFaults,
} from "../../lib/sim/sim_faults.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";
import type { LlmClient } from "../../lib/core/llm_client.ts";

const REQUESTS = 12;
const PROMPT = { prompt: "Tell me something.", inputTokens: 4, maxOutputTokens: 10 };

/** What each fault must become. `null`: a correct ok record. */
const EXPECTED: Record<SimFaultKind, { code: number; message: RegExp } | null> = {
  "http-429": { code: 429, message: /^HTTP 429: Simulated fault/ },
  "http-500": { code: 500, message: /^HTTP 500: Simulated fault/ },
  "http-502": { code: 502, message: /^HTTP 502: Simulated fault/ },
  "http-503": { code: 503, message: /^HTTP 503: Simulated fault/ },
  "reset-before-headers": { code: 599, message: /^Network failure: / },
  "reset-mid-stream": { code: 599, message: /^Network failure: / },
  "stall": { code: 408, message: /^request timeout: no complete answer within 0\.4 s/ },
  "invalid-json": { code: 599, message: /^Malformed stream data/ },
  "malformed-sse": null,
  "empty-choices": null,
  "huge-chunk": null,
  "slow-drip": null,
};

interface FaultRun {
  records: RequestRecord[];
  log: SimRequestLog[];
  wallMs: number;
}

async function runWithFault(
  fault: SimFault,
  makeClient: (url: string) => LlmClient = (url) => createOpenAiClient({ baseUrl: `${url}/v1` }),
  extra: { requestTimeoutMs?: number; firstTokenTimeoutMs?: number } = {},
): Promise<FaultRun> {
  const tokenizer = createTokenizer("cl100k_base");
  const sim = await startSimulator({ ttftMs: 5, itlMs: 1, seed: 5, faults: [fault] });
  try {
    const t0 = performance.now();
    const result = await runBenchmark(makeClient(sim.url), {
      model: "anthropic.claude-3-haiku",
      maxRequests: REQUESTS,
      concurrency: 4,
      prompt: () => PROMPT,
      countTokens: (text) => tokenizer.countTokens(text),
      ...extra,
    });
    const wallMs = performance.now() - t0;
    // Let the simulator see the last disconnects before reading its log.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { records: result.records, log: sim.log(), wallMs };
  } finally {
    await sim.close();
    tokenizer.free();
  }
}

/** Each ok record is one distinct, unfaulted-or-benign simulator request with the same chunks. */
function assertOkRecordsMatchLog(records: RequestRecord[], log: SimRequestLog[], what: string) {
  const used = new Set<number>();
  for (const r of records.filter((x) => x.status === "ok")) {
    assert(r.chunkSentEpochMs !== undefined, `${what}: ok record ${r.requestId} has stamps`);
    const entry = log.find((l) =>
      !used.has(l.requestId) && l.chunkSentEpochMs.length === r.chunkSentEpochMs!.length &&
      l.chunkSentEpochMs.every((t, i) => t === r.chunkSentEpochMs![i])
    );
    assert(entry !== undefined, `${what}: ok record ${r.requestId} matches a simulator request`);
    used.add(entry.requestId);
    assertEquals(r.outputTokens, entry.outputTokens, `${what}: record ${r.requestId} tokens`);
    assertEquals(r.serverOutputTokens, entry.outputTokens, `${what}: usage of ${r.requestId}`);
    assertEquals(entry.error, null, `${what}: ok record from an errored request`);
  }
}

for (const kind of SIM_FAULT_KINDS) {
  Deno.test(`fault ${kind}: the run completes, the fault is classified, nothing else is lost`, async () => {
    const fault: SimFault = {
      kind,
      every: 3,
      stallMs: 5_000,
      tokens: 20_000,
      bytes: 24,
      dripMs: 0,
    };
    // Only the stall needs a timeout; the others must finish (or fail) on their own.
    const timeouts = kind === "stall" ? { requestTimeoutMs: 400 } : {};
    const { records, log } = await runWithFault(fault, undefined, timeouts);
    const ok = records.filter((r) => r.status === "ok");
    const errors = records.filter((r) => r.status === "error");
    assertEquals(records.length, REQUESTS, "every request has a record");
    assertEquals(ok.length + errors.length, REQUESTS, "started = ok + errors");
    assertEquals(new Set(records.map((r) => r.requestId)).size, REQUESTS, "ids are unique");
    const faulted = log.filter((l) => l.fault === kind);
    assert(faulted.length >= 3, `${kind}: the simulator injected it (${faulted.length} times)`);
    const expected = EXPECTED[kind];
    if (expected === null) {
      assertEquals(errors.map((r) => `${r.errorCode} ${r.errorMessage}`), [], `${kind} is benign`);
      assertEquals(log.length, REQUESTS);
    } else {
      for (const r of errors) {
        assertEquals(r.errorCode, expected.code, `${kind}: code of ${r.errorMessage}`);
        assert(expected.message.test(r.errorMessage), `${kind}: message ${r.errorMessage}`);
      }
      if (kind === "reset-before-headers") {
        // fetch re-sends a request once when a reused keep-alive connection closes before any
        // response byte, as it would against a real server: such a request shows up twice in
        // the simulator's log and once (retried) in the results.
        assert(errors.length >= 1 && errors.length <= faulted.length, `${kind}: errors`);
        assertEquals(log.length - faulted.length, ok.length, `${kind}: one ok per clean request`);
        assertEquals(log.length, REQUESTS + (faulted.length - errors.length), `${kind}: retries`);
      } else {
        assertEquals(errors.length, faulted.length, `${kind}: one error per fault`);
        assertEquals(log.length, REQUESTS, `${kind}: one simulator request per record`);
      }
    }
    assertOkRecordsMatchLog(records, log, kind);
    if (kind === "huge-chunk") {
      const big = ok.filter((r) => r.outputTokens > 20_000);
      assertEquals(big.length, faulted.length, "each huge chunk counted in full");
      for (const r of big) assert(r.chunkTokens.some((n) => n > 20_000), "in one chunk");
    }
  });
}

Deno.test("a stall before the first token trips --first-token-timeout (408, says so) and frees the slot", async () => {
  const { records, wallMs } = await runWithFault(
    { kind: "stall", requests: [0, 1, 2, 3], stallMs: 30_000 },
    undefined,
    { firstTokenTimeoutMs: 300, requestTimeoutMs: 20_000 },
  );
  const timedOut = records.filter((r) => r.status === "error");
  assertEquals(timedOut.length, 4);
  for (const r of timedOut) {
    assertEquals(r.errorCode, 408);
    assert(/^first-token timeout: no content within 0\.3 s of send/.test(r.errorMessage!));
    assert(r.e2eMs >= 295 && r.e2eMs < 1_500, `cancelled at the timeout, e2e ${r.e2eMs}`);
  }
  // All four slots were stuck; the other 8 requests ran right after the timeouts.
  assert(wallMs < 3_000, `slots freed, wall ${wallMs} ms`);
});

Deno.test("a stall after the first token does not trip the first-token timeout, the request timeout does", async () => {
  const { records } = await runWithFault(
    { kind: "stall", requests: [0], afterChunks: 2, stallMs: 30_000 },
    undefined,
    { firstTokenTimeoutMs: 300, requestTimeoutMs: 600 },
  );
  const errors = records.filter((r) => r.status === "error");
  assertEquals(errors.length, 1);
  assertEquals(errors[0].errorCode, 408);
  assert(errors[0].errorMessage!.startsWith("request timeout:"), errors[0].errorMessage!);
  assertEquals(errors[0].chunkCount, 2, "the two chunks before the stall were timed");
});

Deno.test("injected 429s carry Retry-After and come in bursts", async () => {
  const sim = await startSimulator({
    ttftMs: 1,
    itlMs: 1,
    faults: [{ kind: "http-429", every: 4, burst: 2, retryAfterS: 7 }],
  });
  try {
    const statuses: string[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await fetch(`${sim.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({
          model: "m",
          messages: [{ role: "user", content: "hi" }],
          max_tokens: 2,
        }),
      });
      await response.body?.cancel();
      statuses.push(`${response.status}${response.headers.get("retry-after") ?? ""}`);
    }
    assertEquals(statuses, ["200", "200", "200", "4297", "4297", "200", "200", "4297"]);
  } finally {
    await sim.close();
  }
});

Deno.test("Bedrock through the SDK: HTTP faults and a mid-stream reset are classified too", async () => {
  const bedrock = (url: string) =>
    createBedrockClient({ api: "converse", region: "us-east-1", endpointUrl: url });
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
  const saved = names.map((n) => Deno.env.get(n));
  Deno.env.set("AWS_ACCESS_KEY_ID", "AKIAFAULTSTESTFAKE01");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "faults-test-fake-secret");
  Deno.env.delete("AWS_SESSION_TOKEN");
  try {
    for (
      const [kind, code] of [["http-503", 503], ["http-429", 429], [
        "reset-mid-stream",
        599,
      ]] as const
    ) {
      const { records, log } = await runWithFault({ kind, every: 3 }, bedrock);
      const errors = records.filter((r) => r.status === "error");
      assertEquals(records.length, REQUESTS);
      assertEquals(errors.length, log.filter((l) => l.fault === kind).length, kind);
      assert(
        errors.every((r) => r.errorCode === code),
        `${kind}: ${errors.map((r) => r.errorCode)}`,
      );
      for (const r of records.filter((x) => x.status === "ok")) {
        assertEquals(r.outputTokens, r.serverOutputTokens, `${kind}: ok records are whole`);
      }
    }
  } finally {
    names.forEach((n, i) =>
      saved[i] === undefined ? Deno.env.delete(n) : Deno.env.set(n, saved[i]!)
    );
  }
});

Deno.test("fault schedules: requests, every, burst and seeded rates", () => {
  const pick = createSimFaultPicker([
    { kind: "http-500", requests: [1] },
    { kind: "stall", every: 4 },
    { kind: "http-429", rate: 0.5, burst: 2 },
  ], {
    random: (() => {
      const draws = [0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9];
      let i = 0;
      return () => draws[i++ % draws.length];
    })(),
  });
  const kinds = [0, 1, 2, 3, 4, 5, 6, 7].map((id) => pick(id)?.kind ?? "-");
  // id 1 listed; id 2 drawn 0.1 < 0.5 starts a 429 burst of 2 (ids 2, 3), but id 3 is every-4th
  // stall first; ids 7 stall.
  assertEquals(kinds, ["-", "http-500", "http-429", "stall", "-", "-", "-", "stall"]);
  const all = createSimFaultPicker([{ kind: "slow-drip" }], { random: () => 0 });
  assertEquals([0, 1, 2].map((id) => all(id)?.kind), ["slow-drip", "slow-drip", "slow-drip"]);
});

Deno.test("fault options are checked, and the --fault syntax parses", () => {
  for (
    const bad of [
      { kind: "nope" },
      { kind: "stall", rate: 1.5 },
      { kind: "stall", every: 0 },
      { kind: "stall", requests: [-1] },
      { kind: "slow-drip", bytes: 0 },
    ]
  ) {
    let message = "";
    try {
      validateSimFaults([bad as SimFault]);
    } catch (error) {
      message = (error as Error).message;
    }
    assert(/^Cannot start simulator: 'faults\[0\]\.\w+' must be/.test(message), message);
  }
  assertEquals(parseSimFault("reset-mid-stream:requests=1+4:after-chunks=3"), {
    kind: "reset-mid-stream",
    requests: [1, 4],
    afterChunks: 3,
  });
  assertEquals(parseSimFault("http-503:0.25"), { kind: "http-503", rate: 0.25 });
  for (const bad of ["http-503:x", "http-503:burst=", "stall:stall-ms=-1", "warp:0.1"]) {
    let thrown = false;
    try {
      parseSimFault(bad);
    } catch (error) {
      thrown = error instanceof RangeError && (error as Error).message.includes(bad);
    }
    assert(thrown, bad);
  }
});

Deno.test("applySimFault() leaves plans alone for faults played on the wire", () => {
  const plan = {
    inputTokens: 1,
    outputTokens: 1,
    finishReason: "length" as const,
    openAtMs: 0,
    endAtMs: 5,
    chunks: [{ index: 0, text: "a", tokens: 1, atMs: 5 }],
  };
  const options = { vocabulary: { words: ["a"], overheadTokens: 0 }, random: () => 0 };
  for (const kind of ["malformed-sse", "invalid-json", "empty-choices", "slow-drip"] as const) {
    assertEquals(applySimFault(plan, { kind }, options), plan);
  }
  const http = applySimFault(plan, { kind: "http-429", retryAfterS: 3 }, options);
  assertEquals(http.error?.status, 429);
  assertEquals(http.error?.retryAfterS, 3);
  assertEquals(http.chunks, []);
});

Deno.test("a run where every request fails writes valid JSON without NaN and says so", async () => {
  const sim = await startSimulator({ ttftMs: 1, itlMs: 1, faults: [{ kind: "http-503" }] });
  const tmp = await Deno.makeTempDir();
  try {
    const script = new URL("../../scripts/token_benchmark.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        script,
        "--model",
        "m",
        "--base-url",
        `${sim.url}/v1`,
        "--results-dir",
        tmp,
        "--max-num-completed-requests",
        "6",
        "--quiet",
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assert(/^warning: every request failed \(6 of 6: 503 x6\)/m.test(stderr), stderr);
    const [name] = [...Deno.readDirSync(tmp)].map((e) => e.name);
    let checked = 0;
    for (const entry of Deno.readDirSync(`${tmp}/${name}`)) {
      const text = await Deno.readTextFile(`${tmp}/${name}/${entry.name}`);
      assert(!/NaN|Infinity/.test(text), `${entry.name} has no NaN or Infinity`);
      if (entry.name.endsWith(".json")) JSON.parse(text);
      if (entry.name.endsWith(".jsonl")) text.trim().split("\n").forEach((l) => JSON.parse(l));
      checked++;
    }
    assertEquals(checked, 7); // LLMPerf's two, requests.jsonl, summary.json, CSV, tables, report.html
    const summary = JSON.parse(await Deno.readTextFile(`${tmp}/${name}/summary.json`));
    assert(/no request succeeded: all 6 failed/.test(summary.summary.note), summary.summary.note);
    assertEquals(summary.summary.stats.ttftMs.mean, null);
  } finally {
    await sim.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
