/**
 * tokenbench/cli: the command line. Flag parsing with one-line errors and exit code 2
 * (`parseFlags`, `intFlag`, `runMain`), building a client from flags and environment
 * (`buildClient`), and each `deno task` command as a function (`benchCommand`, …) that the
 * scripts under `scripts/` call in one line.
 *
 * @example
 * ```ts
 * import { UsageError } from "tokenbench/cli";
 * if (new UsageError("x").name !== "UsageError") throw new Error("name");
 * ```
 *
 * @module
 */
export * from "./bench_command.ts";
export * from "./build_client.ts";
export * from "./calibrate_command.ts";
export * from "./check_notebook.ts";
export * from "./compare_command.ts";
export * from "./configured_secrets.ts";
export * from "./demo_command.ts";
export * from "./flags.ts";
export * from "./llm_correctness_command.ts";
export * from "./merge_command.ts";
export * from "./plot_command.ts";
export * from "./report_command.ts";
export * from "./reproduce_tables_command.ts";
export * from "./results_dir.ts";
export * from "./run_notebooks_command.ts";
export * from "./scale_flags.ts";
export * from "./sim_command.ts";
export * from "./strip_notebook.ts";
export * from "./strip_notebooks_command.ts";
export * from "./summarize_command.ts";
export * from "./sweep_flags.ts";
