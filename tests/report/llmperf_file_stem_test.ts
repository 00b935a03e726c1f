import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { llmperfFileStem } from "../../lib/report/llmperf_file_stem.ts";

const SUMMARIES = new URL(
  "../../raw_data/llmperf-leaderboard/summary/",
  import.meta.url,
);

Deno.test("llmperfFileStem() gives the name of every shipped leaderboard summary", () => {
  let n = 0;
  for (const e of Deno.readDirSync(SUMMARIES)) {
    const s = JSON.parse(Deno.readTextFileSync(new URL(e.name, SUMMARIES)));
    const stem = llmperfFileStem(s.model, {
      meanInputTokens: s.mean_input_tokens,
      meanOutputTokens: s.mean_output_tokens,
    });
    assertEquals(`${stem}_summary`, s.name, e.name);
    n++;
  }
  assertEquals(n, 19);
});

Deno.test("llmperfFileStem() gives the seed file's name when stddevs are included", () => {
  const stem = llmperfFileStem("bedrock/anthropic.claude-instant-v1", {
    meanInputTokens: 1024,
    stddevInputTokens: 0,
    meanOutputTokens: 1024,
    stddevOutputTokens: 100,
    includeStddevs: true,
  });
  const [seed] = [
    ...Deno.readDirSync(new URL("../../raw_data/seed/", import.meta.url)),
  ];
  assertEquals(`${stem}_individual_responses.json`, seed.name);
});

Deno.test("llmperfFileStem() replaces runs of non-word characters and collapses dashes like Python's re", () => {
  const stem = (m: string) => llmperfFileStem(m, { meanInputTokens: 1, meanOutputTokens: 2 });
  assertEquals(stem("a / b::c"), "a-b-c_1_2");
  assertEquals(stem("a--b---c"), "a-b-c_1_2");
  assertEquals(stem("org/model_v1.5"), "org-model_v1-5_1_2");
  // Python 3's \w is Unicode-aware: letters and digits of any script are kept.
  assertEquals(stem("modèle/日本語-7b"), "modèle-日本語-7b_1_2");
  assertEquals(stem("a😀b"), "a-b_1_2");
});

Deno.test("llmperfFileStem() rejects an empty model or a non-numeric mean, naming it", () => {
  throws(() => llmperfFileStem("", { meanInputTokens: 1, meanOutputTokens: 2 }), /'model'/);
  throws(
    () => llmperfFileStem("m", { meanInputTokens: NaN, meanOutputTokens: 2 }),
    /'meanInputTokens'/,
  );
});
