import { assert, assertEquals } from "../_assert.ts";
import { main } from "../../scripts/plot.ts";
import { DEFAULT_FONT_FILES } from "../../lib/plot/to_png.ts";
import { syntheticRun } from "../_plot_fixture.ts";

const hasFont = DEFAULT_FONT_FILES.some((f) => {
  try {
    return Deno.statSync(f).isFile;
  } catch {
    return false;
  }
});
const pngFlags = hasFont ? [] : ["--no-png"];

/** A results folder with two providers × two concurrencies, as token_benchmark writes them. */
async function resultsDir(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "tokenbench_plot_" });
  for (const [k, provider] of ["A", "B"].entries()) {
    for (const c of [1, 4]) {
      const dir = `${root}/run_${provider}_${c}`;
      await Deno.mkdir(dir);
      const records = syntheticRun({
        requests: 12,
        concurrency: c,
        ttftMs: 100 * (k + 1),
        itlMs: 10,
        errorRate: 0.1,
        seed: c + k,
      });
      const metadata = { model: `model-${provider}`, numConcurrentRequests: c, rate: null };
      // the header line first, as token_benchmark writes it (runHeader)
      const header = { kind: "run", schemaVersion: 1, tool: { name: "tokenbench" }, metadata };
      await Deno.writeTextFile(
        `${dir}/requests.jsonl`,
        [header, ...records].map((r) => JSON.stringify(r)).join("\n") + "\n",
      );
      await Deno.writeTextFile(
        `${dir}/summary.json`,
        JSON.stringify({ schemaVersion: 1, kind: "run-summary", metadata, summary: {} }),
      );
    }
  }
  return root;
}

/** Run the script's main with its stdout (the written paths) swallowed. */
async function quietMain(args: string[]): Promise<number> {
  const log = console.log;
  console.log = () => {};
  try {
    return await main(args);
  } finally {
    console.log = log;
  }
}

async function files(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  return names.sort();
}

function expected(names: string[]): string[] {
  return names.flatMap((n) => hasFont ? [`${n}.png`, `${n}.svg`] : [`${n}.svg`]).sort();
}

Deno.test("plot script writes every plot of one run folder into it", async () => {
  const root = await resultsDir();
  try {
    assertEquals(await quietMain([...pngFlags, `${root}/run_A_1`]), 0);
    const written = (await files(`${root}/run_A_1`)).filter((n) =>
      n !== "requests.jsonl" && n !== "summary.json"
    );
    assertEquals(
      written,
      expected([
        "errors",
        "run_timeline",
        "throughput_boxplot",
        "token_timeline",
        "ttft_distribution",
      ]),
    );
    const svg = await Deno.readTextFile(`${root}/run_A_1/ttft_distribution.svg`);
    assert(svg.includes(">model-A c=1: "), "the run's label is in the subtitle");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("plot script draws server_metrics when the run folder has server_metrics.jsonl", async () => {
  const root = await resultsDir();
  try {
    const header = {
      kind: "server-metrics",
      schemaVersion: 1,
      tool: { name: "tokenbench", version: "0.1.0" },
      url: "http://127.0.0.1:8000/metrics",
      intervalMs: 1000,
      startEpochMs: 1e12,
      names: [],
    };
    const scrapes = [0, 1, 2].map((i) => ({
      kind: "scrape",
      tMs: 1000 * i,
      epochMs: 1e12 + 1000 * i,
      scrapeMs: 1,
      values: { "vllm:num_requests_running": i, "vllm:num_requests_waiting": 2 - i },
      ...(i === 0
        ? { types: { "vllm:num_requests_running": "gauge", "vllm:num_requests_waiting": "gauge" } }
        : {}),
    }));
    await Deno.writeTextFile(
      `${root}/run_B_4/server_metrics.jsonl`,
      [header, ...scrapes].map((line) => JSON.stringify(line)).join("\n") + "\n",
    );
    assertEquals(await quietMain([...pngFlags, `${root}/run_B_4`]), 0);
    const written = await files(`${root}/run_B_4`);
    assert(written.includes("server_metrics.svg"), written.join());
    const svg = await Deno.readTextFile(`${root}/run_B_4/server_metrics.svg`);
    assert(svg.includes(">server: waiting<") && svg.includes(">client: requests in flight<"));
    // and on the run timeline, under the client's requests, on the same time axis
    const timeline = await Deno.readTextFile(`${root}/run_B_4/run_timeline.svg`);
    assert(timeline.includes(">server: waiting<") && timeline.includes(">streaming<"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("plot script writes per-run and comparison plots of a results folder into --out", async () => {
  const root = await resultsDir();
  const out = `${root}_out`;
  try {
    // a run cut short has no summary.json: its JSONL header still names model and load
    await Deno.remove(`${root}/run_B_4/summary.json`);
    assertEquals(await quietMain([...pngFlags, root, "--out", out]), 0);
    assertEquals(
      await files(out),
      expected(["errors", "load_curve", "throughput_boxplot", "ttft_distribution"]),
    );
    const svg = await Deno.readTextFile(`${out}/load_curve.svg`);
    for (const label of ["model-A", "model-B", "Concurrency (requests in flight)"]) {
      assert(svg.includes(`>${label}</text>`), `load curve lacks ${label}`);
    }
    const box = await Deno.readTextFile(`${out}/throughput_boxplot.svg`);
    // runs ordered by series, then by load (1 before 4)
    assert(box.indexOf("model-A c=1 (n=") < box.indexOf("model-A c=4 (n="));
    assert(box.includes(">model-B c=4 (n="), "label from the JSONL header");
    assertEquals(
      (await files(`${out}/run_B_4`)).length,
      expected(["a", "b", "c", "d", "e"]).length,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
});

Deno.test("plot script answers bad input with one line, exit 2, nothing written", async () => {
  const root = await resultsDir();
  await Deno.writeTextFile(`${root}/run_A_4/requests.jsonl`, "{not json\n");
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/plot.ts", ...args],
      cwd: new URL("../..", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  };
  try {
    for (
      const [args, message] of [
        [[`${root}/missing`], "does not exist"],
        [[root, "--out", `${root}_out`], "run_A_4/requests.jsonl line 1 is not JSON"],
        [["--png-width", "0", root], "--png-width must be a positive integer"],
        [[], "give at least one RESULTS_DIR"],
      ] as const
    ) {
      const r = await run(...args);
      assertEquals(r.code, 2, r.stderr);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert(r.stderr.includes(message), r.stderr);
    }
    assertEquals((await files(`${root}/run_A_1`)).sort(), ["requests.jsonl", "summary.json"]);
    assert(!(await Deno.stat(`${root}_out`).then(() => true, () => false)));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
