import { assert, assertEquals } from "../_assert.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import type { RequestRecord } from "../../lib/core/request_record.ts";

const SCRIPT = new URL("../../scripts/token_benchmark.ts", import.meta.url).pathname;
const SECRET = "tbSeedRunSecret/9f3Kq7ZxVw2LmN5pR8sT1uY4aB6cD0eF";

/**
 * The seed card's run (`anthropic.claude-instant-v1` through InvokeModelWithResponseStream,
 * 1024 tokens in, ~1024 out, concurrency 1) as one command against the simulator: the same
 * flags as the README, fewer requests and a faster simulated model so the test stays short.
 */
Deno.test("bench --llm-api bedrock runs the seed card's command against the simulator", async () => {
  const sim = await startSimulator({ ttftMs: 40, itlMs: 0.2, tokensPerChunk: 8, seed: 5 });
  const tmp = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1,localhost",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        SCRIPT,
        "--llm-api",
        "bedrock",
        "--model",
        "anthropic.claude-instant-v1",
        "--bedrock-api",
        "invoke",
        "--mean-input-tokens",
        "1024",
        "--stddev-input-tokens",
        "0",
        "--mean-output-tokens",
        "1024",
        "--stddev-output-tokens",
        "100",
        "--max-num-completed-requests",
        "4",
        "--num-concurrent-requests",
        "1",
        "--endpoint-url",
        sim.url,
        "--results-dir",
        tmp,
      ],
      env: {
        NO_COLOR: "1",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIATOKENBENCHTEST01",
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_EC2_METADATA_DISABLED: "true",
      },
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assert(!stdout.includes(SECRET) && !stderr.includes(SECRET), "secret printed");
    const [runDir] = [...Deno.readDirSync(tmp)].map((e) => e.name);
    const dir = `${tmp}/${runDir}`;
    for (const entry of Deno.readDirSync(dir)) {
      assert(
        !Deno.readTextFileSync(`${dir}/${entry.name}`).includes(SECRET),
        `secret in ${entry.name}`,
      );
    }
    const lines = Deno.readTextFileSync(`${dir}/requests.jsonl`).trim().split("\n");
    // The header line, the records, the end line.
    const records = lines.slice(1, -1).map((l) => JSON.parse(l) as RequestRecord);
    assertEquals(records.length, 4);
    const log = sim.log();
    assertEquals(log.length, 4);
    for (const [i, r] of records.entries()) {
      assertEquals(r.status, "ok");
      // Tokens: the simulator's ground truth, the server's own count and the client's agree.
      assertEquals(r.serverOutputTokens, log[i].outputTokens);
      assertEquals(r.outputTokens, log[i].outputTokens);
      assert(r.outputTokens > 700 && r.outputTokens < 1400, `~1024 out, got ${r.outputTokens}`);
      assertEquals(r.inputTokens, 1024);
      assert(r.serverLatencyMs !== null && r.serverFirstByteLatencyMs !== null);
    }
    const summary = JSON.parse(Deno.readTextFileSync(`${dir}/summary.json`));
    assertEquals(summary.metadata.simulated, true);
    assertEquals(summary.metadata.llmApi, "bedrock");
    // Client-minus-server latency (network and client overhead) is in the summary.
    const overhead = summary.summary.server.clientOverheadMs;
    assertEquals(overhead.count, 4);
    assert(overhead.p50 >= 0 && overhead.p50 < 50, `overhead p50 ${overhead.p50} ms`);
    assertEquals(summary.summary.server.outputTokensClientMinusServer.max, 0);
    assert(stdout.includes("bedrock (simulated) | anthropic.claude-instant-v1"), stdout);
  } finally {
    await sim.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
