/**
 * Writes LLMPerf's two result files for a run. The I/O edge of {@link llmperfSummary} and
 * {@link toLlmperfIndividual}.
 *
 * @module
 */

import type { LlmperfIndividualRecord } from "./llmperf_individual.ts";
import type { LlmperfSummary } from "./llmperf_summary.ts";

/** What {@link writeLlmperfFiles} writes. */
export interface WriteLlmperfFilesOptions {
  /** File stem, e.g. from `llmperfFileStem()`. Required; no `/` allowed. */
  stem: string;
  /** The per-request records, written as `{stem}_individual_responses.json`. Required. */
  individual: readonly LlmperfIndividualRecord[];
  /** The summary, written as `{stem}_summary.json`. Required. */
  summary: LlmperfSummary;
}

/** The two files written. */
export interface LlmperfFilePaths {
  summaryPath: string;
  individualPath: string;
}

/**
 * Writes `{dir}/{stem}_summary.json` and `{dir}/{stem}_individual_responses.json` as LLMPerf
 * does (`json.dump(…, indent=4)`), creating `dir` if needed. Never overwrites: if either file
 * exists it throws `Deno.errors.AlreadyExists` before writing anything. Non-finite numbers are
 * written as `null` (valid JSON), where LLMPerf would write bare `NaN`. Needs `--allow-write`.
 *
 * @example
 * ```ts
 * import { writeLlmperfFiles } from "./write_llmperf_files.ts";
 * const dir = await Deno.makeTempDir();
 * const paths = await writeLlmperfFiles(dir, {
 *   stem: "m_550_150", individual: [], summary: { model: "m", results_ttft_s_mean: NaN },
 * });
 * const text = await Deno.readTextFile(paths.summaryPath);
 * await Deno.remove(dir, { recursive: true });
 * if (!text.includes('"results_ttft_s_mean": null')) throw new Error(text);
 * ```
 */
export async function writeLlmperfFiles(
  dir: string,
  options: WriteLlmperfFilesOptions,
): Promise<LlmperfFilePaths> {
  const { stem, individual, summary } = options;
  if (typeof stem !== "string" || stem === "" || stem.includes("/")) {
    throw new TypeError(
      `Cannot write LLMPerf files: 'stem' must be a non-empty file name, got ${
        JSON.stringify(stem)
      }`,
    );
  }
  const base = dir.replace(/\/+$/, "") || "/";
  const summaryPath = `${base}/${stem}_summary.json`;
  const individualPath = `${base}/${stem}_individual_responses.json`;
  for (const p of [summaryPath, individualPath]) {
    if (await _exists(p)) {
      throw new Deno.errors.AlreadyExists(`Cannot write LLMPerf files: ${p} already exists`);
    }
  }
  // Serialise before touching the disk, so a failure leaves nothing half-written.
  const summaryText = JSON.stringify(summary, null, 4);
  const individualText = JSON.stringify(individual, null, 4);
  await Deno.mkdir(base, { recursive: true });
  await Deno.writeTextFile(summaryPath, summaryText, { createNew: true });
  try {
    await Deno.writeTextFile(individualPath, individualText, { createNew: true });
  } catch (e) {
    await Deno.remove(summaryPath).catch(() => {});
    throw e;
  }
  return { summaryPath, individualPath };
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
