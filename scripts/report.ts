/**
 * `deno task report RESULTS_DIR… [--out report.html]`: one self-contained HTML page of one or
 * several runs (context, tables, statistics with confidence intervals, plots as inline SVG,
 * errors, client health, and the comparison of several runs). `--help` lists every flag; the
 * work is `reportMain` of `tokenbench/cli`.
 *
 * @module
 */
import { reportMain } from "tokenbench/cli";

/** Entry point; returns the exit code. */
export function main(args: string[]): Promise<number> {
  return reportMain(args);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
