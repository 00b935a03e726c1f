import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  loadLlmperf,
  pairLlmperfFiles,
  parseLlmperfFile,
  parseLlmperfStream,
} from "../../lib/report/load_llmperf.ts";
import { readResults } from "../../lib/report/read_results.ts";
import { llmperfSummary } from "../../lib/report/llmperf_summary.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

const ROOT = new URL("../../raw_data/", import.meta.url).pathname;
const LEADERBOARD = `${ROOT}llmperf-leaderboard`;
const SEED = `${ROOT}seed`;
const TESTDATA = new URL("../testdata/llmperf/", import.meta.url).pathname;

Deno.test("readResults() pairs the leaderboard's individual/ and summary/ folders into 19 runs", async () => {
  const { runs, errors } = await readResults([LEADERBOARD]);
  assertEquals(errors, []);
  assertEquals(runs.length, 19);
  for (const run of runs) {
    assert(run.individual !== null && run.summary !== null, run.name);
    assertEquals(run.individualPath, `${LEADERBOARD}/individual/${run.name}.json`);
    assertEquals(run.summaryPath, `${LEADERBOARD}/summary/${run.name}.json`);
    assertEquals(run.individual.length, run.summary.results_num_requests_started);
  }
  assertEquals(runs.map((r) => r.name).slice(0, 3), [
    "anyscale_13b",
    "anyscale_70b",
    "anyscale_7b",
  ]);
});

Deno.test("readResults() finds the summary of an individual file given alone", async () => {
  const { runs, errors } = await readResults([`${LEADERBOARD}/individual/groq_70b.json`]);
  assertEquals(errors, []);
  assertEquals(runs.length, 1);
  assertEquals(runs[0].summary?.framework, "groq");
  assertEquals(runs[0].individual?.length, 150);
  const alone = await readResults([`${LEADERBOARD}/individual/groq_70b.json`], {
    findSummaries: false,
  });
  assertEquals(alone.runs[0].summary, null);
});

Deno.test("readResults() reads the seed's individual file, which has no summary", async () => {
  const { runs, errors } = await readResults([SEED]);
  assertEquals(errors, []);
  assertEquals(runs.length, 1);
  assertEquals(runs[0].name, "bedrock-anthropic-claude-instant-v1_1024_0_1024_100");
  assertEquals(runs[0].individual?.length, 57);
  assertEquals(runs[0].summary, null);
});

Deno.test("the loader keeps extra fields such as Bedrock's GEN_TEXT and error code -100", async () => {
  const { runs } = await readResults([`${LEADERBOARD}/individual/bedrock_70b.json`]);
  const records = runs[0].individual!;
  assert(typeof records[0].GEN_TEXT === "string" && (records[0].GEN_TEXT as string).length > 0);
  assertEquals(records.filter((r) => r.error_code === -100).length, 49);
  assertEquals(runs[0].summary?.results_error_code_frequency, "{-100.0: 49}");
});

Deno.test("the loader reads a summary with bare NaN as null, and its min/max strings as written", async () => {
  const { runs, errors } = await readResults([`${TESTDATA}all_failed`]);
  assertEquals(errors, []);
  assertEquals(runs.length, 1);
  const s = runs[0].summary!;
  assertEquals(s.results_ttft_s_mean, null);
  assertEquals(s.results_number_input_tokens_min, null);
  assertEquals(s.results_error_code_frequency, "{429: 3}");
  // and recomputing it from its individual file gives the same summary
  const mine = llmperfSummary(runs[0].individual!, {
    model: "llama2-70b",
    meanInputTokens: 550,
    stddevInputTokens: 0,
    meanOutputTokens: 150,
    stddevOutputTokens: 0,
    numConcurrentRequests: 5,
    wallTimeS: 30,
    metadata: { framework: "lepton" },
    timestamp: 1703638336,
  });
  assertEquals(mine, s);
  const lb = (await readResults([`${LEADERBOARD}/summary/lepton_70b.json`])).runs[0].summary!;
  assertEquals(lb.results_number_input_tokens_min, "550");
});

Deno.test("malformed files give one error each, naming the file and record, and other files still load", async () => {
  const { runs, errors } = await readResults([
    `${TESTDATA}malformed`,
    `${LEADERBOARD}/individual/groq_70b.json`,
  ]);
  assertEquals(runs.length, 1);
  assertEquals(runs[0].name, "groq_70b");
  const byFile = Object.fromEntries(errors.map((e) => [e.path.split("/").pop(), e]));
  assertEquals(Object.keys(byFile).sort(), [
    "array_summary.json",
    "missing_ttft_individual_responses.json",
    "nan_ttft_individual_responses.json",
    "numbers_individual_responses.json",
    "truncated_individual_responses.json",
  ]);
  const expect = (file: string, index: number | null, text: RegExp) => {
    const e = byFile[file];
    assertEquals(e.index, index, file);
    assert(e.message.startsWith(`${TESTDATA}malformed/${file}:`), e.message);
    assert(text.test(e.message), e.message);
    assert(!e.message.includes("\n") && !e.message.includes("    at "), e.message);
  };
  expect("truncated_individual_responses.json", 1, /record 1: not valid JSON/);
  expect("numbers_individual_responses.json", 0, /record 0: expected an object, got number 1/);
  expect("missing_ttft_individual_responses.json", 2, /record 2: missing field 'ttft_s'/);
  expect(
    "nan_ttft_individual_responses.json",
    1,
    /record 1: 'ttft_s' must be a finite number, got NaN/,
  );
  expect("array_summary.json", null, /expected an LLMPerf summary/);
});

Deno.test("parseLlmperfFile() rejects a wrong error_code, an individual file holding an object, and an unrelated object", () => {
  const rec = {
    error_code: "429",
    error_msg: "",
    inter_token_latency_s: 0,
    ttft_s: 0,
    end_to_end_latency_s: 0,
    request_output_throughput_token_per_s: 0,
    number_total_tokens: 1,
    number_output_tokens: 0,
    number_input_tokens: 1,
  };
  const bad = parseLlmperfFile("x.json", JSON.stringify([rec]));
  assert(
    bad.status === "error" &&
      /record 0: 'error_code' must be null or a number/.test(bad.error.message),
  );
  const obj = parseLlmperfFile("d/individual/x.json", "{}");
  assert(obj.status === "error" && /expected an array/.test(obj.error.message));
  const other = parseLlmperfFile("d/config.json", '{"a": 1}');
  assert(other.status === "error" && /not an LLMPerf summary/.test(other.error.message));
  const scalar = parseLlmperfFile("d/x.json", "3");
  assert(scalar.status === "error" && /expected a JSON array or object/.test(scalar.error.message));
});

Deno.test("the NaN-tolerant parser leaves 'NaN' inside strings alone", () => {
  const r = parseLlmperfFile(
    "a_summary.json",
    '{"model": "NaN-model \\" NaN", "results_ttft_s_mean": NaN, "x": -Infinity}',
  );
  assert(r.status === "ok");
  assertEquals(r.file.summary, {
    model: 'NaN-model " NaN',
    results_ttft_s_mean: null,
    x: -Infinity,
  });
});

function jsonlRecord(i: number, over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: i,
    phase: "measure",
    intendedSendMs: i,
    actualSendMs: i,
    startEpochMs: 1.7e12 + i,
    inputTokens: 100,
    maxOutputTokens: 50,
    outputTokens: 50,
    reasoningTokens: 0,
    serverInputTokens: null,
    serverOutputTokens: null,
    serverLatencyMs: null,
    serverFirstByteLatencyMs: null,
    headersMs: 10,
    firstMessageMs: 20,
    ttftMs: 200 + i,
    firstReasoningMs: null,
    lastContentMs: 1000,
    e2eMs: 1000,
    interTokenLatencyMs: 16.3,
    llmperfInterTokenLatencyS: 0.02,
    outputThroughputTokPerS: 50,
    chunkCount: 50,
    chunkArrivalMs: [],
    chunkTokens: [],
    reasoningArrivalMs: [],
    messageCount: 0,
    choicesArrivalMs: [],
    lastMessageMs: null,
    retries: 0,
    status: "ok",
    errorCode: null,
    errorMessage: null,
    ...over,
  } as RequestRecord;
}

Deno.test("the loader reads tokenbench JSONL through toLlmperfIndividual, skipping warm-up records", () => {
  const lines = [
    JSON.stringify({ schemaVersion: 1, framework: "sim", model: "sim-model" }),
    JSON.stringify(jsonlRecord(0, { phase: "warmup" })),
    JSON.stringify(jsonlRecord(1)),
    "",
    JSON.stringify(
      jsonlRecord(
        2,
        { status: "error", errorCode: 503, errorMessage: "busy" } as Partial<RequestRecord>,
      ),
    ),
  ];
  const { runs, errors } = loadLlmperf([{
    path: "r/requests.jsonl",
    text: lines.join("\n") + "\n",
  }]);
  assertEquals(errors, []);
  assertEquals(runs[0].source, "tokenbench");
  assertEquals(runs[0].metadata, { schemaVersion: 1, framework: "sim", model: "sim-model" });
  const recs = runs[0].individual!;
  assertEquals(recs.length, 2);
  assertEquals(recs[0].ttft_s, 0.201);
  assertEquals(recs[1].error_code, 503);
  assertEquals(recs[1].ttft_s, 0);
});

Deno.test("a bad JSONL line is reported with its line number", () => {
  const text = [
    JSON.stringify(jsonlRecord(0)),
    JSON.stringify(jsonlRecord(1, { e2eMs: "slow" } as unknown as Partial<RequestRecord>)),
  ].join("\n");
  const r = parseLlmperfFile("r/requests.jsonl", text);
  assert(r.status === "error");
  assertEquals(r.error.index, 1);
  assert(
    /requests\.jsonl: line 2: 'e2eMs' must be a finite number/.test(r.error.message),
    r.error.message,
  );
  const notJson = parseLlmperfFile("r/x.jsonl", "{\n");
  assert(notJson.status === "error" && /line 1: not valid JSON/.test(notJson.error.message));
});

Deno.test("pairLlmperfFiles() pairs by name and leaves out a JSONL beside LLMPerf files of the same run", () => {
  const file = (path: string, kind: "individual" | "summary" | "jsonl") => ({
    path,
    kind,
    individual: kind === "summary" ? null : [],
    summary: kind === "summary" ? {} : null,
    metadata: {},
  });
  const runs = pairLlmperfFiles([
    file("run/m_1_2_individual_responses.json", "individual"),
    file("run/m_1_2_summary.json", "summary"),
    file("run/requests.jsonl", "jsonl"),
    file("other/requests.jsonl", "jsonl"),
  ]);
  assertEquals(runs.map((r) => [r.name, r.source, r.summaryPath]), [
    ["requests", "tokenbench", null],
    ["m_1_2", "llmperf", "run/m_1_2_summary.json"],
  ]);
});

function bigFile(n: number): { text: string; records: Record<string, unknown>[] } {
  const records = Array.from({ length: n }, (_, i) => ({
    error_code: i % 7 === 0 ? -100 : null,
    error_msg: i % 7 === 0 ? "Output too few tokens }" : "",
    inter_token_latency_s: 0.01 * (i % 13),
    ttft_s: 0.2 + i / n,
    end_to_end_latency_s: 3 + (i % 5),
    request_output_throughput_token_per_s: 40 + (i % 9),
    number_total_tokens: 700,
    number_output_tokens: 150,
    number_input_tokens: 550,
    GEN_TEXT: `text with }, ] and "quotes" \\ and {braces} number ${i} `.repeat(8),
  }));
  return { text: JSON.stringify(records, null, 4), records };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

Deno.test("parseLlmperfStream() reads a multi-megabyte file in pieces, braces inside strings included", async () => {
  const { text, records } = bigFile(6000);
  assert(text.length > 3 * (1 << 20));
  for (const size of [65536, 1000003, 7 << 20]) {
    const r = await parseLlmperfStream(
      "x/bedrock_70b_individual_responses.json",
      pieces(text, size),
    );
    assert(r.status === "ok", JSON.stringify(r));
    assertEquals(r.file.individual, records);
  }
});

Deno.test("parseLlmperfStream() names the exact record of a syntax error deep in a large file", async () => {
  const { text } = bigFile(6000);
  const marker = "number 4321 ";
  const at = text.indexOf(marker);
  // break record 4321: drop the comma after its error_code field
  const start = text.lastIndexOf('"error_code"', at);
  const broken = text.slice(0, start) + text.slice(start).replace(/,\n/, "\n");
  const r = await parseLlmperfStream("x/big_individual_responses.json", pieces(broken, 65536));
  assert(r.status === "error");
  assertEquals(r.error.index, 4321);
  assert(/record 4321: not valid JSON/.test(r.error.message), r.error.message);
  const nan = text.slice(0, start) +
    text.slice(start).replace(/"ttft_s": [0-9.]+/, '"ttft_s": NaN');
  const r2 = await parseLlmperfStream("x/big_individual_responses.json", pieces(nan, 65536));
  assert(r2.status === "error" && r2.error.index === 4321, JSON.stringify(r2));
});

Deno.test("parseLlmperfStream() reads JSONL split mid-line and reports trailing garbage", async () => {
  const lines = [0, 1, 2, 3].map((i) => JSON.stringify(jsonlRecord(i)));
  const r = await parseLlmperfStream("r/requests.jsonl", pieces(lines.join("\r\n"), 5));
  assert(r.status === "ok" && r.file.individual!.length === 4);
  const garbage = parseLlmperfFile("x/a_individual_responses.json", "[]  ]");
  assert(garbage.status === "error" && /not valid JSON/.test(garbage.error.message));
  const empty = parseLlmperfFile("x/a_individual_responses.json", " [ ] ");
  assert(empty.status === "ok" && empty.file.individual!.length === 0);
});

Deno.test("a tokenbench run folder loads as one run: its summary.json is recognised and its JSONL not doubled", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rec = {
      error_code: null,
      error_msg: "",
      inter_token_latency_s: 0.02,
      ttft_s: 0.2,
      end_to_end_latency_s: 3,
      request_output_throughput_token_per_s: 50,
      number_total_tokens: 700,
      number_output_tokens: 150,
      number_input_tokens: 550,
    };
    await Deno.writeTextFile(`${dir}/m_550_150_individual_responses.json`, JSON.stringify([rec]));
    await Deno.writeTextFile(
      `${dir}/m_550_150_summary.json`,
      JSON.stringify({ model: "m", llm_api: "openai" }),
    );
    await Deno.writeTextFile(
      `${dir}/summary.json`,
      JSON.stringify({
        schemaVersion: 1,
        tool: { name: "tokenbench", version: "0.1.0" },
        kind: "run-summary",
      }),
    );
    await Deno.writeTextFile(`${dir}/requests.jsonl`, JSON.stringify(jsonlRecord(0)) + "\n");
    const { runs, errors } = await readResults([dir]);
    assertEquals(errors, []);
    assertEquals(runs.map((r) => [r.name, r.source]), [["m_550_150", "llmperf"]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the JSONL header line {kind: 'run', metadata} gives the run's metadata", () => {
  const header = {
    kind: "run",
    schemaVersion: 1,
    tool: { name: "tokenbench", version: "0.1.0" },
    metadata: {
      llmApi: "openai",
      model: "sim-model",
      simulated: true,
      userMetadata: { framework: "vllm" },
    },
  };
  const text = [JSON.stringify(header), JSON.stringify(jsonlRecord(0))].join("\n");
  const r = parseLlmperfFile("run/requests.jsonl", text);
  assert(r.status === "ok");
  assertEquals(r.file.metadata.model, "sim-model");
  assertEquals(r.file.metadata.llmApi, "openai");
  assertEquals(r.file.metadata.schemaVersion, 1);
  assertEquals(r.file.individual!.length, 1);
});

Deno.test("tables' loader skips a torn line of a killed run's JSONL, as summarize does", async () => {
  const lines = [0, 1, 2].map((i) => JSON.stringify(jsonlRecord(i)));
  const header = JSON.stringify({ kind: "run", metadata: { model: "m" } });
  const torn = [header, lines[0], lines[1].slice(0, 30), lines[2], lines[2].slice(0, 12)];
  const r = await parseLlmperfStream("r/requests.jsonl", pieces(torn.join("\n"), 7));
  assert(r.status === "ok", JSON.stringify(r));
  assertEquals(r.file.individual!.length, 2);
  assertEquals(r.file.metadata.tornLines, 2);
  const empty = parseLlmperfFile("r/requests.jsonl", "\n");
  assert(empty.status === "error" && /is empty/.test(empty.error.message));
});
