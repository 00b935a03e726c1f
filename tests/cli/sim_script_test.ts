import { assert, assertEquals } from "../_assert.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { timeStream } from "../../lib/core/time_stream.ts";

const ROOT = new URL("../..", import.meta.url);
const SCRIPT = new URL("../../scripts/sim.ts", import.meta.url).pathname;
const PERMISSIONS = [
  "--allow-net=127.0.0.1,localhost",
  "--allow-read",
  "--allow-env",
  "--allow-sys",
];

function command(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, SCRIPT, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Reads stdout until the first newline. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return text.split("\n")[0];
}

Deno.test("scripts/sim.ts prints 'listening on' first, serves the client and stops on SIGTERM", async () => {
  for (const extra of [[], ["--raw-http"]]) await serveOnce(extra);
});

async function serveOnce(extra: string[]) {
  const child = command(["--port", "0", "--ttft-ms", "5", "--itl-ms", "1", "--seed", "9", ...extra])
    .spawn();
  try {
    const line = await firstLine(child.stdout);
    const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    assert(match, `first line: ${JSON.stringify(line)}`);
    assert(Number(match[2]) > 0);
    const client = createOpenAiClient({ baseUrl: `${match[1]}/v1` });
    const timing = await timeStream(client.stream({ model: "m", prompt: "Hi", maxTokens: 12 }));
    assertEquals(timing.error, null);
    assertEquals(timing.usage.outputTokens, 12);
    const log = await (await fetch(`${match[1]}/_sim/log`)).json();
    assertEquals(log.requests.length, 1);
    assertEquals(log.requests[0].chunkSentEpochMs, timing.chunkSentEpochMs);
    const info = await (await fetch(`${match[1]}/_sim/info`)).json();
    assertEquals(info.seed, 9);
    assertEquals(info.behaviour.ttftMs, 5);
  } finally {
    child.kill("SIGTERM");
  }
  const status = await child.status;
  await child.stderr.cancel();
  assertEquals(status.code, 0, extra.join(" "));
}

Deno.test("scripts/sim.ts rejects bad flags with one line on stderr and exit code 2", async () => {
  for (
    const args of [
      ["--bogus"],
      ["--itl-ms", "fast"],
      ["--error-rate", "1.5"],
      ["--tokenizer", "gpt2"],
      ["--tokens-per-chunk", "0"],
    ]
  ) {
    const { code, stdout, stderr } = await command(args).output();
    const lines = new TextDecoder().decode(stderr).trim().split("\n");
    assertEquals(code, 2, args.join(" "));
    assertEquals(lines.length, 1, lines.join("|"));
    assert(lines[0].includes(args[0].replace(/^--/, "")), lines[0]);
    assertEquals(stdout.length, 0);
  }
});

Deno.test("scripts/sim.ts --help shows every flag with its default", async () => {
  const { code, stdout } = await command(["--help"]).output();
  const help = new TextDecoder().decode(stdout);
  assertEquals(code, 0);
  for (
    const flag of [
      "--port",
      "--host",
      "--ttft-ms",
      "--itl-ms",
      "--jitter-ms",
      "--tokens-per-chunk",
      "--error-rate",
      "--seed",
      "--tokenizer",
    ]
  ) {
    const line = help.split("\n").find((l) => l.trimStart().startsWith(flag + " "));
    assert(line?.includes("default"), `${flag}: ${line}`);
  }
});

Deno.test("deno task sim: the capacity model and quota flags reach /_sim/info; a lone --itl-growth is refused", async () => {
  const { simCommand } = await import("../../lib/cli/sim_command.ts");
  const errors: string[] = [];
  const error = console.error;
  console.error = (s: string) => errors.push(s);
  try {
    const { runMain } = await import("../../lib/cli/flags.ts");
    const code = await runMain(() => simCommand(["--itl-growth", "0.5"]));
    assertEquals(code, 2);
    assert(errors.join().includes("--prefill-tokens-per-s and --itl-growth need --max-batch B"));
  } finally {
    console.error = error;
  }
});
