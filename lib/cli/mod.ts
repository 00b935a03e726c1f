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
export * from "./flags.ts";
export * from "./results_dir.ts";
export * from "./scale_flags.ts";
export * from "./sweep_flags.ts";
