import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  CALIBRATE_HELP,
  calibrateCommand,
  DEMO_HELP,
  demoCommand,
  LLM_CORRECTNESS_HELP,
  llmCorrectnessCommand,
  MERGE_HELP,
  mergeCommand,
  PLOT_HELP,
  plotCommand,
  REPRODUCE_TABLES_HELP,
  reproduceTablesCommand,
  RUN_NOTEBOOKS_HELP,
  runNotebooksCommand,
  runNotebooksMain,
  SIM_HELP,
  simCommand,
  STRIP_NOTEBOOKS_HELP,
  stripNotebooksCommand,
  SUMMARIZE_HELP,
  summarizeCommand,
} from "tokenbench/cli";
import { spawnSimulator } from "tokenbench/run";

/** What `fn` prints with console.log and console.error, and its result. */
async function capture<T>(fn: () => Promise<T>): Promise<{ result: T; out: string; err: string }> {
  const { log, error } = console;
  let out = "", err = "";
  console.log = (...xs: unknown[]) => out += xs.join(" ") + "\n";
  console.error = (...xs: unknown[]) => err += xs.join(" ") + "\n";
  try {
    return { result: await fn(), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("every command prints its help text on --help and exits 0", async () => {
  const commands: [string, (args: string[]) => Promise<number>, string][] = [
    ["calibrate", calibrateCommand, CALIBRATE_HELP],
    ["demo", demoCommand, DEMO_HELP],
    ["correctness", llmCorrectnessCommand, LLM_CORRECTNESS_HELP],
    ["merge", mergeCommand, MERGE_HELP],
    ["plot", plotCommand, PLOT_HELP],
    ["notebooks", runNotebooksCommand, RUN_NOTEBOOKS_HELP],
    ["sim", simCommand, SIM_HELP],
    ["notebooks:strip", stripNotebooksCommand, STRIP_NOTEBOOKS_HELP],
    ["summarize", summarizeCommand, SUMMARIZE_HELP],
  ];
  for (const [task, command, help] of commands) {
    const { result, out, err } = await capture(() => command(["--help"]));
    assertEquals(result, 0, task);
    assertEquals(out, help + "\n", task);
    assertEquals(err, "", task);
    assert(help.startsWith(`deno task ${task} `) || help.startsWith(`Usage: deno task ${task} `));
  }
  let out = "";
  assertEquals(await reproduceTablesCommand(["--help"], { stdout: (t) => out += t }), 0);
  assertEquals(out, REPRODUCE_TABLES_HELP);
});

Deno.test("runNotebooksMain() without a readable CI fails when Jupyter is missing, and says why", async () => {
  const args = ["--python", "/nonexistent/python3", "tests/testdata/smoke.ipynb"];
  const unknown = await capture(() => runNotebooksMain(args));
  assertEquals(unknown.result, 77);
  assert(
    unknown.out.includes("(CI unknown: grant --allow-env=CI to skip outside CI)"),
    unknown.out,
  );
  const outside = await capture(() => runNotebooksMain(args, { CI: "false" }));
  assertEquals(outside.result, 0);
  assert(outside.out.startsWith("notebooks: skipped — Jupyter not installed"), outside.out);
  const inCi = await capture(() => runNotebooksMain(args, { CI: "1" }));
  assertEquals(inCi.result, 77);
  assert(!inCi.out.includes("CI unknown"), inCi.out);
});

Deno.test("spawnSimulator() rejects, leaving no child behind, when the simulator does not start", async () => {
  // The child prints its one-line usage error on the (inherited) stderr, then exits 2.
  await assertRejects(
    () => spawnSimulator(["--port", "70000"]),
    Error,
    "the simulator exited before it was listening",
  );
});
