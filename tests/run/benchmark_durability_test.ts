/**
 * A full disk, a kill and an overlong model name: the run stops launching at the first failed
 * write, keeps what it wrote valid, and leaves nothing behind when it cannot start.
 */
import { assert, assertEquals } from "../_assert.ts";
import { benchmark } from "../../lib/run/benchmark.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import {
  DENO_JSONL_FILE_SYSTEM,
  type JsonlFile,
  type JsonlFileSystem,
  openJsonlWriter,
} from "../../lib/report/jsonl_writer.ts";
import { readRunJsonl } from "../../lib/report/read_run_jsonl.ts";

const RUN = {
  model: "sim",
  meanInputTokens: 20,
  stddevInputTokens: 0,
  meanOutputTokens: 4,
  stddevOutputTokens: 0,
  gracePeriodS: 1,
} as const;

const NO_SPACE = () => new Error("No space left on device (os error 28)");

/**
 * The real file system, whose `requests.jsonl` fills up: after `okWrites` whole lines, a write
 * puts half its bytes down and the next call fails; `failures` writes fail so (Infinity: the
 * disk stays full), then writes work again.
 */
function fillingDisk(okWrites: number, failures = Infinity) {
  let writes = 0;
  let failed = 0;
  const fs: JsonlFileSystem = {
    async create(path, initial) {
      const file = await DENO_JSONL_FILE_SYSTEM.create(path, initial);
      if (!path.endsWith(".jsonl")) return file;
      let half = false;
      const wrapped: JsonlFile = {
        write(bytes) {
          if (half) {
            half = false;
            failed++;
            return Promise.reject(NO_SPACE());
          }
          if (writes >= okWrites && failed < failures) {
            half = true;
            return file.write(bytes.subarray(0, Math.max(1, bytes.length >> 1)));
          }
          writes++;
          return file.write(bytes);
        },
        truncate: (length) => file.truncate(length),
        close: () => file.close(),
      };
      return wrapped;
    },
  };
  return fs;
}

async function entries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

async function runFolder(root: string): Promise<string> {
  const [name] = await entries(root);
  return `${root}/${name}`;
}

Deno.test("benchmark() stops launching at the first failed write and keeps requests.jsonl valid", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 2 });
  const root = await Deno.makeTempDir();
  try {
    const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
    let message = "";
    try {
      await benchmark(client, {
        ...RUN,
        concurrency: 2,
        maxRequests: 40,
        resultsDir: root,
        fileSystem: fillingDisk(12),
      });
    } catch (error) {
      message = (error as Error).message;
    }
    assert(
      /^Cannot write results: writing .*requests\.jsonl failed: No space left/.test(message),
      message,
    );
    assert(!message.includes("\n"), "one line");
    assert(message.includes("12 records kept"), message);
    // At most the requests in flight at the failure were sent after it.
    assert(sim.log().length <= 12 + 2 + 1, `${sim.log().length} requests sent`);
    const dir = await runFolder(root);
    assertEquals(await entries(dir), ["requests.jsonl"], "RUNNING removed");
    const text = await Deno.readTextFile(`${dir}/requests.jsonl`);
    assert(text.endsWith("\n"), "ends on a complete line");
    for (const line of text.trimEnd().split("\n")) JSON.parse(line);
    const run = readRunJsonl(text);
    assertEquals(run.records.length, 12);
    assertEquals(run.tornLines, []);
    assertEquals(run.end, null, "no room for the end line either");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("benchmark(): a disk full for a moment leaves no torn line, and the end line says why the run stopped", async () => {
  await using sim = await startSimulator({ ttftMs: 5, itlMs: 2 });
  const root = await Deno.makeTempDir();
  try {
    const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
    let message = "";
    await benchmark(client, {
      ...RUN,
      concurrency: 2,
      maxRequests: 30,
      resultsDir: root,
      fileSystem: fillingDisk(5, 1),
    }).catch((error) => message = (error as Error).message);
    assert(message.startsWith("Cannot write results:"), message);
    const run = readRunJsonl(await Deno.readTextFile(`${await runFolder(root)}/requests.jsonl`));
    assertEquals(run.tornLines, []);
    assert(run.records.length >= 5 && run.records.length < 30, `${run.records.length} records`);
    assert(run.end !== null && run.end.finished === false);
    assert(/writing .* failed: No space left/.test(run.end.stopReason ?? ""), run.end.stopReason!);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("benchmark(): a results folder that cannot be written is a RangeError before any request, and nothing is left behind", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const tmp = await Deno.makeTempDir();
  try {
    const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
    const full: JsonlFileSystem = { create: () => Promise.reject(NO_SPACE()) };
    let error: unknown;
    await benchmark(client, {
      ...RUN,
      maxRequests: 3,
      resultsDir: `${tmp}/new-root`,
      fileSystem: full,
    }).catch((e) => error = e);
    assert(error instanceof RangeError, String(error));
    assert(
      /^Cannot write to resultsDir '.*new-root': No space left on device$/.test(error.message),
      error.message,
    );
    assertEquals(await entries(tmp), [], "neither the run folder nor the root it made");
    assertEquals(sim.log().length, 0, "nothing sent");
    // An existing root stays, empty.
    await Deno.mkdir(`${tmp}/root`);
    await benchmark(client, { ...RUN, maxRequests: 3, resultsDir: `${tmp}/root`, fileSystem: full })
      .catch((e) => error = e);
    assertEquals(await entries(`${tmp}/root`), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("benchmark() refuses a model name too long for a file name before the first request", async () => {
  await using sim = await startSimulator({ ttftMs: 1, itlMs: 1 });
  const root = await Deno.makeTempDir();
  try {
    const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
    let error: unknown;
    await benchmark(client, { ...RUN, model: "m".repeat(230), maxRequests: 2, resultsDir: root })
      .catch((e) => error = e);
    assert(error instanceof RangeError, String(error));
    assert(
      /^Cannot run benchmark: 'model' \(230 characters\) makes a file name of \d+ bytes/.test(
        error.message,
      ),
      error.message,
    );
    assertEquals(sim.log().length, 0);
    assertEquals(await entries(root), []);
    // Without a results folder no file is named after it: the run goes.
    const run = await benchmark(client, { ...RUN, model: "m".repeat(230), maxRequests: 2 });
    assertEquals(run.records.length, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("openJsonlWriter() writes the header as the file is created: the file never exists without it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const seen: string[] = [];
    const fs: JsonlFileSystem = {
      async create(path, initial) {
        const file = await DENO_JSONL_FILE_SYSTEM.create(path, initial);
        seen.push(await Deno.readTextFile(path)); // what a kill -9 right now would leave
        return file;
      },
    };
    const writer = await openJsonlWriter(`${dir}/r.jsonl`, {
      header: { kind: "run" },
      fileSystem: fs,
    });
    await writer.close();
    assertEquals(seen, ['{"kind":"run"}\n']);
    assertEquals(await entries(dir), ["r.jsonl"], "no temporary file left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readRunJsonl() skips and counts a torn line anywhere, and still refuses other text", () => {
  const rec = (id: number) =>
    JSON.stringify({
      requestId: id,
      phase: "measure",
      status: "ok",
      errorCode: null,
      errorMessage: null,
      startEpochMs: 1000 + id,
      e2eMs: 5,
      ttftMs: 2,
      inputTokens: 1,
      outputTokens: 1,
      maxOutputTokens: 1,
      chunkArrivalMs: [],
    });
  const header = JSON.stringify({ kind: "run", metadata: { model: "m" } });
  const run = readRunJsonl(
    [header, rec(0), rec(1).slice(0, 20), rec(2), rec(3).slice(0, 9)].join("\n"),
  );
  assertEquals(run.records.map((r) => r.requestId), [0, 2]);
  assertEquals(run.tornLines, [3, 5]);
  assert(run.tornLastLine);
  let message = "";
  try {
    readRunJsonl([header, "garbage", rec(2), ""].join("\n"));
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.startsWith("requests.jsonl line 2: not valid JSON"), message);
});

Deno.test("two sweeps at once into one results folder each get their own sweep folder and sweep.md", async () => {
  const { runSweep } = await import("../../lib/run/run_sweep.ts");
  await using sim = await startSimulator({ ttftMs: 2, itlMs: 1 });
  const root = await Deno.makeTempDir();
  try {
    const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
    const sweep = () =>
      runSweep(client, {
        ...RUN,
        variable: "concurrency",
        levels: [1, 2],
        maxRequests: 2,
        resultsDir: root,
      });
    const [a, b] = await Promise.all([sweep(), sweep()]);
    assert(a.dir !== null && b.dir !== null && a.dir !== b.dir, `${a.dir} ${b.dir}`);
    for (const dir of [a.dir!, b.dir!]) {
      assertEquals(await entries(dir), [
        "c1",
        "c2",
        "report.html",
        "sweep.json",
        "sweep.md",
        "sweep.svg",
      ]);
      for (const level of ["c1", "c2"]) assertEquals((await entries(`${dir}/${level}`)).length, 1);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("benchmark(): without requestTimeoutS a stream that never ends is cut at the run's timeoutS", async () => {
  await using sim = await startSimulator({
    ttftMs: 1,
    itlMs: 1,
    faults: [{ kind: "stall", stallMs: 60_000 }],
  });
  const client = createOpenAiClient({ baseUrl: `${sim.url}/v1` });
  const t0 = performance.now();
  const run = await benchmark(client, { ...RUN, maxRequests: 2, concurrency: 2, timeoutS: 1 });
  const elapsedMs = performance.now() - t0;
  assertEquals(run.records.map((r) => r.errorCode), [408, 408]);
  assertEquals(run.metadata.requestTimeoutS, 1, "the timeout used is recorded");
  assert(elapsedMs < 10_000, `the run took ${elapsedMs} ms, not the stall's 60 s`);
});
