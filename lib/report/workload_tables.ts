/**
 * The workload's own tables: prompt caching (hit share, TTFT cached vs uncached) and
 * multi-turn sessions (TTFT and ITL per turn), from a run summary. Empty for runs without them.
 *
 * @module
 */
import type { RunSummary } from "../core/summarize_run.ts";
import { formatCell, gridTable } from "./grid_table.ts";

/**
 * Markdown tables of `summary.promptCache` and `summary.byTurn`, each with a title line; `""`
 * when the run has neither (the run's `tables.md` and notebooks show them after the seed-format
 * tables).
 *
 * @example A run with prompt-cache figures
 * ```ts
 * import { workloadTables } from "./workload_tables.ts";
 * import { summarize } from "../core/summarize.ts";
 * import type { RunSummary } from "../core/summarize_run.ts";
 * const summary = {
 *   promptCache: {
 *     requests: 4, hits: 3, hitShare: 0.75, cachedTokenShare: 0.5,
 *     ttftCachedMs: summarize([90, 100, 110]), ttftUncachedMs: summarize([300]),
 *   },
 * } as RunSummary;
 * const md = workloadTables(summary);
 * if (!md.includes("Prompt cache") || !md.includes("0.750")) throw new Error(md);
 * if (workloadTables({} as RunSummary) !== "") throw new Error("empty");
 * ```
 */
export function workloadTables(summary: RunSummary): string {
  const parts: string[] = [];
  const cache = summary?.promptCache;
  if (cache) {
    parts.push(
      "### Prompt cache\n\n" +
        gridTable(
          [
            "Requests",
            "Hits",
            "Hit share",
            "Cached token share",
            "TTFT p50 cached ms",
            "TTFT p50 uncached ms",
            "TTFT p99 cached ms",
            "TTFT p99 uncached ms",
          ],
          [[
            String(cache.requests),
            String(cache.hits),
            formatCell(cache.hitShare, 3),
            formatCell(cache.cachedTokenShare, 3),
            formatCell(cache.ttftCachedMs.p50, 1),
            formatCell(cache.ttftUncachedMs.p50, 1),
            formatCell(cache.ttftCachedMs.p99, 1),
            formatCell(cache.ttftUncachedMs.p99, 1),
          ]],
        ),
    );
  }
  const turns = summary?.byTurn;
  if (turns && turns.length > 0) {
    parts.push(
      "### By turn\n\n" +
        gridTable(
          [
            "Turn",
            "Requests",
            "Completed",
            "History tokens (mean)",
            "TTFT p50 ms",
            "TTFT p99 ms",
            "ITL p50 ms",
          ],
          turns.map((t) => [
            String(t.turn),
            String(t.requests),
            String(t.completed),
            formatCell(t.meanHistoryTokens, 0),
            formatCell(t.ttftMs.p50, 1),
            formatCell(t.ttftMs.p99, 1),
            formatCell(t.interTokenLatencyMs.p50, 2),
          ]),
        ),
    );
  }
  return parts.join("\n");
}
