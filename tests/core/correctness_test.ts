/**
 * The correctness test: prompts, LLMPerf's verdict, the simulator's answering mode and
 * `scripts/llm_correctness.ts` end to end against the simulator.
 */
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import {
  CORRECTNESS_MAX_NUMBER,
  correctnessCase,
  correctnessCases,
  correctnessLlmperfSummary,
  correctnessVerdict,
  parseCorrectnessPrompt,
  summarizeCorrectness,
} from "../../lib/core/correctness.ts";
import { simCorrectnessReply } from "../../lib/sim/sim_correctness.ts";
import { createRandom } from "../../lib/core/random.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { runBenchmark } from "../../lib/run/run_benchmark.ts";
import { createTokenizer } from "../../lib/core/tokenizer.ts";

Deno.test("correctnessCase() writes LLMPerf's prompt, and every number from 0 to 10000 reads back", () => {
  assertEquals(
    correctnessCase(7021).prompt,
    "Convert the following sequence of words into a number: seven thousand, twenty-one.\n" +
      "Print the number first.",
  );
  assertEquals(correctnessCase(0).words, "zero");
  assertEquals(correctnessCase(10000).words, "ten thousand");
  for (let n = 0; n <= CORRECTNESS_MAX_NUMBER; n++) {
    const parsed = parseCorrectnessPrompt(correctnessCase(n).prompt);
    if (parsed !== n) throw new Error(`${n} read back as ${parsed}`);
  }
});

Deno.test("parseCorrectnessPrompt() reads num2words' spelling with 'and' and refuses other text", () => {
  const prompt = (words: string) =>
    `Convert the following sequence of words into a number: ${words}.\nPrint the number first.`;
  assertEquals(parseCorrectnessPrompt(prompt("nine thousand, nine hundred and ninety-nine")), 9999);
  assertEquals(parseCorrectnessPrompt(prompt("one hundred and five")), 105);
  assertEquals(parseCorrectnessPrompt(prompt("Twelve")), 12);
  assertEquals(parseCorrectnessPrompt(prompt("twelve apples")), null);
  assertEquals(parseCorrectnessPrompt(prompt("")), null);
  assertEquals(parseCorrectnessPrompt("Randomly stream lines from the following text."), null);
});

Deno.test("correctnessVerdict() follows LLMPerf: commas between digits removed, whole digit runs", () => {
  const cases: [number, string, "pass" | "mismatch"][] = [
    [1234, "1234", "pass"],
    [1234, "The number is 1,234.", "pass"],
    [10000, "10,000", "pass"],
    [0, "0", "pass"],
    [1234, "1234\nExplanation: one thousand…", "pass"],
    [1234, "12345", "mismatch"],
    [1234, "01234", "mismatch"],
    [1234, "1 234", "mismatch"],
    [1234, "one thousand two hundred thirty-four", "mismatch"],
    [5, "", "mismatch"],
  ];
  for (const [number, reply, verdict] of cases) {
    assertEquals(
      correctnessVerdict(number, reply),
      verdict,
      `${number} vs ${JSON.stringify(reply)}`,
    );
  }
});

Deno.test("correctnessCases() draws 0..10000 uniformly from the seed", () => {
  const numbers = correctnessCases(20000, createRandom(3)).map((c) => c.number);
  assert(numbers.every((n) => Number.isInteger(n) && n >= 0 && n <= 10000));
  const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
  assertAlmostEquals(mean, 5000, 100);
  assertEquals(
    correctnessCases(5, createRandom(3)).map((c) => c.number),
    numbers.slice(0, 5),
  );
});

Deno.test("summarizeCorrectness() and the LLMPerf summary use LLMPerf's denominators and keys", () => {
  const summary = summarizeCorrectness([
    { verdict: "pass" },
    { verdict: "mismatch" },
    { verdict: "error" },
    { verdict: "pass" },
    { verdict: "pass" },
  ]);
  assertEquals(summary, {
    numCompletedRequests: 5,
    numErrors: 1,
    numMismatchedRequests: 1,
    numNonErroredRequests: 4,
    errorRate: 0.2,
    mismatchRate: 0.2,
  });
  const llmperf = correctnessLlmperfSummary(summary, {
    model: "meta-llama/Llama-3.1-8B",
    llmApi: "openai",
    numConcurrentRequests: 4,
    additionalSamplingParams: { top_p: 0.5 },
    userMetadata: { run: "a" },
    timestampS: 1700000000,
  });
  assertEquals(Object.keys(llmperf), [
    "version",
    "name",
    "number_errors",
    "num_mismatched_requests",
    "error_rate",
    "mismatch_rate",
    "num_completed_requests",
    "num_non_errored_requests",
    "model",
    "num_concurrent_requests",
    "additional_sampling_params_top_p",
    "llm_api",
    "run",
    "timestamp",
  ]);
  assertEquals(llmperf.name, "meta-llama-Llama-3-1-8B_correctness_summary");
  assertEquals(summarizeCorrectness([]).mismatchRate, null);
});

Deno.test("simCorrectnessReply() is wrong at its rate and never by accident", () => {
  const { prompt } = correctnessCase(777);
  const random = createRandom(11);
  let wrong = 0;
  for (let i = 0; i < 4000; i++) {
    const reply = simCorrectnessReply(prompt, { errorRate: 0.3, random })!;
    const n = Number(reply.reply);
    assert(Number.isInteger(n) && n >= 0 && n <= 10000, reply.reply);
    assertEquals(reply.correct, n === 777);
    if (!reply.correct) wrong++;
  }
  assertAlmostEquals(wrong / 4000, 0.3, 0.03);
});

Deno.test("the simulator answers correctness prompts with the number's exact tokens", async () => {
  await using sim = await startSimulator({ ttftMs: 2, itlMs: 1 });
  const tokenizer = createTokenizer("cl100k_base");
  try {
    const cases = correctnessCases(12, createRandom(5));
    const result = await runBenchmark(createOpenAiClient({ baseUrl: `${sim.url}/v1` }), {
      model: "m",
      prompt: (i) => ({ prompt: cases[i].prompt, inputTokens: 20, maxOutputTokens: 16 }),
      countTokens: (text) => tokenizer.countTokens(text),
      keepText: true,
      maxRequests: cases.length,
      concurrency: 1,
    });
    const log = sim.log();
    for (const r of result.records) {
      const truth = log.find((l) => l.requestId === r.requestId)!;
      const expected = String(cases[r.requestId].number);
      assertEquals(r.outputText, expected);
      assertEquals(r.outputTokens, tokenizer.countTokens(expected));
      assertEquals(truth.outputTokens, r.outputTokens);
      assertEquals(r.serverOutputTokens, r.outputTokens);
      assertEquals(truth.finishReason, "stop");
    }
  } finally {
    tokenizer.free();
  }
});

const SCRIPT = new URL("../../scripts/llm_correctness.ts", import.meta.url).pathname;
const PERMS = ["--allow-net=127.0.0.1,localhost", "--allow-read", "--allow-write", "--allow-env"];

async function run(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, "--allow-sys", SCRIPT, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("llm_correctness: mismatch and error rates match what the simulator did", async () => {
  await using sim = await startSimulator({
    ttftMs: 5,
    itlMs: 1,
    correctnessErrorRate: 0.25,
    errorRate: 0.1,
    errorStatuses: [429],
    seed: 21,
  });
  const tmp = await Deno.makeTempDir();
  try {
    const args = [
      "--model",
      "sim-model",
      "--base-url",
      `${sim.url}/v1`,
      "--max-num-completed-requests",
      "40",
      "--num-concurrent-requests",
      "4",
      "--results-dir",
      tmp,
      "--metadata",
      "purpose=test",
      "--quiet",
    ];
    const ran = await run(args);
    assertEquals(ran.code, 0, ran.stderr);
    const [dir] = [...Deno.readDirSync(tmp)].map((e) => `${tmp}/${e.name}`);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(files, [
      "correctness.jsonl",
      "correctness_summary.json",
      "sim-model_correctness_summary.json",
    ]);
    const lines = Deno.readTextFileSync(`${dir}/correctness.jsonl`).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(lines[0].kind, "run");
    const records = lines.slice(1);
    assertEquals(records.length, 40);
    // Ground truth from the simulator: which requests got an HTTP error.
    const log = sim.log();
    const failed = new Set(log.filter((l) => l.error !== null).map((l) => l.requestId));
    let mismatched = 0;
    for (const r of records) {
      assertEquals(parseCorrectnessPrompt(r.prompt), r.number);
      if (r.verdict === "error") {
        assertEquals(r.errorCode, 429);
        continue;
      }
      const right = r.reply === String(r.number);
      assertEquals(r.verdict, right ? "pass" : "mismatch", JSON.stringify(r));
      if (!right) mismatched++;
    }
    const errors = records.filter((r: { verdict: string }) => r.verdict === "error").length;
    assertEquals(errors, failed.size);
    assert(mismatched > 0 && mismatched < 40, `${mismatched} mismatched`);
    assert(errors > 0, "some injected errors");
    const summary = JSON.parse(
      Deno.readTextFileSync(`${dir}/sim-model_correctness_summary.json`),
    );
    assertEquals(summary.num_completed_requests, 40);
    assertEquals(summary.num_mismatched_requests, mismatched);
    assertEquals(summary.mismatch_rate, mismatched / 40);
    assertEquals(summary.number_errors, errors);
    assertEquals(summary.error_rate, errors / 40);
    assertEquals(summary.purpose, "test");
    assertEquals(summary.llm_api, "openai");
    assert(ran.stdout.includes(`Mismatched: ${mismatched}, Mismatch rate: ${mismatched / 40}`));
    // Temperature 0 unless asked otherwise, as LLMPerf.
    const ours = JSON.parse(Deno.readTextFileSync(`${dir}/correctness_summary.json`));
    assertEquals(ours.metadata.samplingParams, { temperature: 0 });
    assertEquals(ours.numMismatchedRequests, mismatched);
    // A second run writes a new folder.
    const again = await run([...args.slice(0, 5), "2", ...args.slice(6)]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals([...Deno.readDirSync(tmp)].length, 2);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("llm_correctness: bad input gives one line on stderr, exit code 2 and no files", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const tmp = await Deno.makeTempDir();
  try {
    const ok = ["--model", "m", "--base-url", `${sim.url}/v1`, "--results-dir", `${tmp}/out`];
    const cases: [string[], RegExp][] = [
      [[...ok, "--bogus"], /bogus/],
      [ok.slice(2), /--model/],
      [[...ok, "--max-num-completed-requests", "many"], /--max-num-completed-requests/],
      [[...ok, "--additional-sampling-params", "{temperature: 0}"], /--additional-sampling-params/],
      [[...ok, "--llm-api", "cohere"], /--llm-api/],
      [
        [...ok, "--llm-api", "sagemaker", "--sagemaker-payload", "x", "--region", "r"],
        /--sagemaker-payload/,
      ],
      [
        [...ok.slice(0, 2), "--llm-api", "anthropic", "--base-url", "https://api.example.invalid"],
        /ANTHROPIC_API_KEY/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const ran = await run(args);
      assertEquals(ran.code, 2, `${args.join(" ")}: ${ran.stderr}`);
      const lines = ran.stderr.trim().split("\n");
      assertEquals(lines.length, 1, ran.stderr);
      assert(pattern.test(lines[0]), lines[0]);
    }
    const help = await run(["--help"]);
    assertEquals(help.code, 0);
    for (const flag of ["--num-concurrent-requests", "--timeout", "--max-num-completed-requests"]) {
      const line = help.stdout.split("\n").find((l) => l.trimStart().startsWith(flag + " "));
      assert(line?.includes("default"), `${flag}: ${line}`);
    }
    assertEquals([...Deno.readDirSync(tmp)].length, 0);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
