/**
 * Reads result files and folders from disk (LLMPerf JSON, tokenbench JSONL) into runs. The I/O
 * edge of {@link parseLlmperfStream} / {@link pairLlmperfFiles}.
 *
 * @module
 */

import {
  type LlmperfLoadError,
  type LlmperfLoadResult,
  llmperfSummaryPathFor,
  pairLlmperfFiles,
  type ParsedLlmperfFile,
  parseLlmperfStream,
} from "./load_llmperf.ts";

/** Options of {@link readResults}. */
export interface ReadResultsOptions {
  /**
   * Also read the summary that pairs with each individual file given by name
   * (`X_individual_responses.json` → `X_summary.json`, `individual/X.json` →
   * `summary/X.json`), when it exists. Default `true`.
   */
  findSummaries?: boolean;
}

/**
 * Reads files and folders (folders recursively: every `.json` and `.jsonl` file, in sorted
 * order), parses each file as it streams in (files larger than the largest string load too), and
 * pairs them into runs. A file that cannot
 * be read or parsed becomes an entry of `errors` naming the file (and record), and the other
 * files still load. Needs `--allow-read`.
 *
 * @example A folder with one good and one malformed file
 * ```ts
 * import { readResults } from "./read_results.ts";
 * const dir = await Deno.makeTempDir();
 * const rec = { error_code: null, error_msg: "", inter_token_latency_s: 0.02, ttft_s: 0.2,
 *   end_to_end_latency_s: 3, request_output_throughput_token_per_s: 50,
 *   number_total_tokens: 700, number_output_tokens: 150, number_input_tokens: 550 };
 * await Deno.writeTextFile(`${dir}/m_550_150_individual_responses.json`, JSON.stringify([rec]));
 * await Deno.writeTextFile(`${dir}/broken.json`, "[{");
 * const { runs, errors } = await readResults([dir]);
 * await Deno.remove(dir, { recursive: true });
 * if (runs.length !== 1 || runs[0].individual?.length !== 1) throw new Error("runs");
 * if (errors.length !== 1 || !errors[0].message.includes("broken.json")) throw new Error("errors");
 * ```
 */
export async function readResults(
  paths: readonly string[],
  options: ReadResultsOptions = {},
): Promise<LlmperfLoadResult> {
  const { findSummaries = true } = options;
  const errors: LlmperfLoadError[] = [];
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    if (!seen.has(p)) {
      seen.add(p);
      files.push(p);
    }
  };
  for (const path of paths) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (e) {
      errors.push({ path, index: null, message: `${path}: ${_ioProblem(e)}` });
      continue;
    }
    if (info.isDirectory) {
      for (const f of await _walk(path.replace(/\/+$/, "") || "/")) add(f);
    } else if (!info.isFile) {
      // A FIFO, socket or device: reading it could wait forever.
      errors.push({
        path,
        index: null,
        message: `${path}: not a regular file or folder (a FIFO, socket or device)`,
      });
    } else {
      add(path);
      const partner = findSummaries ? llmperfSummaryPathFor(path) : null;
      if (partner !== null && !seen.has(partner) && await _isFile(partner)) add(partner);
    }
  }
  const parsed: ParsedLlmperfFile[] = [];
  for (const path of files) {
    let result;
    try {
      result = await parseLlmperfStream(path, _textChunks(path));
    } catch (e) {
      errors.push({ path, index: null, message: `${path}: ${_ioProblem(e)}` });
      continue;
    }
    if (result.status === "ok") parsed.push(result.file);
    else errors.push(result.error);
  }
  return { runs: pairLlmperfFiles(parsed), errors };
}

/** The file's text in pieces of up to 4 MiB; closes the file when the consumer stops early. */
async function* _textChunks(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path);
  try {
    const buf = new Uint8Array(4 << 20);
    const decoder = new TextDecoder();
    while (true) {
      const n = await file.read(buf);
      if (n === null) break;
      yield decoder.decode(buf.subarray(0, n), { stream: true });
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  } finally {
    file.close();
  }
}

async function _walk(dir: string): Promise<string[]> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const p = dir === "/" ? `/${e.name}` : `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await _walk(p));
    else if (e.isFile && /\.jsonl?$/i.test(e.name)) out.push(p);
  }
  return out;
}

async function _isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

function _ioProblem(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file or directory";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "is a directory";
  return String((e as Error)?.message ?? e).replace(/\s+/g, " ");
}
