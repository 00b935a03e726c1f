/**
 * The evidence behind the lenses: runs each peer's OWN request, stream-parsing and metric code, at
 * its pinned commit, on the recorded OpenAI chat streams of `tests/testdata/peer_lens_streams.json`
 * with its network and clock replaced by a replay of those streams, and writes what the peer
 * computed to `tests/testdata/peer_lens_fixtures.json`. `tests/core/lenses_peer_test.ts` compares
 * tokenbench's lenses with these values (no Python at test time).
 *
 * Steps:
 * 1. fetch: each git peer's tree at its commit is written from its mirror (`--mirror`, the git
 *    directories the `fetch` tool of a session brings, `owner+name/repo`) into `--sources`;
 *    vLLM is too large to mirror, so its two files (`vllm/benchmarks/lib/endpoint_request_func.py`
 *    at 02cfb53 and `vllm/benchmarks/serve.py` at 009e6d4, the request function and
 *    `calculate_metrics` with the module heads they need) are saved beforehand under
 *    `--sources`/vllm-02cfb53 (the script stops with a message when they are missing);
 * 2. run: one Python runner per peer (`bench/peer_lens/run_*.py`): the peer's code imported from
 *    those sources, its HTTP client replaced by the replay (each network read handed over at its
 *    recorded time, moving a replay clock that stands in for `time`), modules it imports but the
 *    replay never uses replaced by stand-ins (`_autostub.py`), every side counting tokens as
 *    words and punctuation marks;
 * 3. write: the runners' results, with the commits, the Python and library versions and the
 *    streams file's SHA-256, as the fixtures. Two commits of one LLMPerf era must agree.
 *
 * Run (Python is allowed here; LLMPerf needs pandas, GuideLLM pydantic 2):
 * `deno run --allow-read --allow-write --allow-run --allow-env bench/peer_lens_fixtures.ts`
 * (flags: `--python python3 --pandas-python /usr/bin/python3 --mirror /work/.mirror
 * --sources ~/.cache/tokenbench/peer-sources --out tests/testdata/peer_lens_fixtures.json`)
 *
 * @module
 */
import { parseArgs } from "node:util";

/** A peer, the lens that equals it, where its code comes from and which runner runs it. */
interface _Peer {
  lens: string;
  runner: string;
  repo: string;
  /** Commits to run; all must give the same values. */
  commits: string[];
  /** `pandas`: run with the Python that has pandas. */
  python: "main" | "pandas";
}

const _PEERS: _Peer[] = [
  {
    lens: "vllm",
    runner: "run_vllm.py",
    repo: "vllm-project/vllm",
    commits: ["02cfb53"],
    python: "main",
  },
  {
    lens: "guidellm",
    runner: "run_guidellm.py",
    repo: "vllm-project/guidellm",
    commits: ["ee7a774"],
    python: "main",
  },
  {
    lens: "guidellm-0.5.4",
    runner: "run_guidellm_054.py",
    repo: "vllm-project/guidellm",
    commits: ["fc31a9e"],
    python: "main",
  },
  {
    lens: "llmperf",
    runner: "run_llmperf.py",
    repo: "ray-project/llmperf",
    commits: ["f1d6bed"],
    python: "pandas",
  },
  {
    lens: "llmperf-2024",
    runner: "run_llmperf.py",
    repo: "ray-project/llmperf",
    commits: ["afd137a", "03872a4"],
    python: "pandas",
  },
  {
    lens: "llmperf-2023",
    runner: "run_llmperf.py",
    repo: "ray-project/llmperf",
    commits: ["1eac866", "5acd7b1"],
    python: "pandas",
  },
  {
    lens: "aiperf",
    runner: "run_aiperf.py",
    repo: "ai-dynamo/aiperf",
    commits: ["db4f639"],
    python: "main",
  },
  {
    lens: "genai-perf",
    runner: "run_genai_perf.py",
    repo: "triton-inference-server/perf_analyzer",
    commits: ["263c5f6"],
    python: "main",
  },
];

async function _run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
  return text;
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes the tree of `commit` from a bare mirror into `dir` (blobs the mirror lacks skipped). */
async function _materialize(gitDir: string, commit: string, dir: string): Promise<number> {
  if (await _exists(`${dir}/.complete`)) return -1;
  const listing = await _run("git", [
    `--git-dir=${gitDir}`,
    "ls-tree",
    "-r",
    "--format=%(objectname) %(path)",
    commit,
  ]);
  let written = 0;
  for (const line of listing.trim().split("\n")) {
    const space = line.indexOf(" ");
    const [sha, path] = [line.slice(0, space), line.slice(space + 1)];
    if (!/\.(py|txt|json|toml)$/.test(path)) continue;
    const blob = await new Deno.Command("git", {
      args: [`--git-dir=${gitDir}`, "cat-file", "blob", sha],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!blob.success) continue;
    const target = `${dir}/${path}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(target, blob.stdout);
    written++;
  }
  await Deno.writeTextFile(`${dir}/.complete`, `${commit}\n`);
  return written;
}

async function _sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function _version(python: string, modules: string[]): Promise<Record<string, string>> {
  const code = `import sys, json, importlib\nv={"python": sys.version.split()[0]}\n` +
    `for m in ${JSON.stringify(modules)}:\n    v[m]=importlib.import_module(m).__version__\n` +
    `print(json.dumps(v))`;
  return JSON.parse(await _run(python, ["-c", code]));
}

/** Runs every peer and writes the fixtures; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      python: { type: "string", default: "python3" },
      "pandas-python": { type: "string", default: "/usr/bin/python3" },
      mirror: { type: "string", default: "/work/.mirror" },
      sources: {
        type: "string",
        default: `${Deno.env.get("HOME") ?? "."}/.cache/tokenbench/peer-sources`,
      },
      out: { type: "string", default: "tests/testdata/peer_lens_fixtures.json" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "deno run --allow-read --allow-write --allow-run --allow-env bench/peer_lens_fixtures.ts\n" +
        "  --python CMD          Python with numpy and pydantic 2 (vLLM, GuideLLM; default python3)\n" +
        "  --pandas-python CMD   Python with pandas, numpy, pydantic, requests (LLMPerf; default /usr/bin/python3)\n" +
        "  --mirror DIR          mirrors of the peers' git repositories (default /work/.mirror)\n" +
        "  --sources DIR         where the peers' trees are written and vLLM's files saved\n" +
        "                        (default ~/.cache/tokenbench/peer-sources)\n" +
        "  --out FILE            default tests/testdata/peer_lens_fixtures.json",
    );
    return 0;
  }
  const here = new URL(".", import.meta.url).pathname;
  const streamsPath = new URL("../tests/testdata/peer_lens_streams.json", import.meta.url).pathname;
  const sources = values.sources!;
  if (!(await _exists(`${sources}/vllm-02cfb53/vllm/benchmarks/serve.py`))) {
    console.error(
      `vLLM's files are missing: save vllm/benchmarks/lib/endpoint_request_func.py (02cfb53) and ` +
        `vllm/benchmarks/serve.py (009e6d4) under ${sources}/vllm-02cfb53/`,
    );
    return 2;
  }
  const peers: Record<string, unknown> = {};
  for (const peer of _PEERS) {
    const results: Record<string, unknown>[] = [];
    for (const commit of peer.commits) {
      let dir = `${sources}/vllm-02cfb53`;
      if (peer.lens !== "vllm") {
        const name = peer.repo.replace("/", "+");
        dir = `${sources}/${name.split("+")[1]}-${commit}`;
        await _materialize(`${values.mirror}/${name}/repo`, commit, dir);
      }
      const python = peer.python === "pandas" ? values["pandas-python"]! : values.python!;
      const out = await Deno.makeTempFile({ suffix: ".json" });
      const runnerArgs = peer.lens === "vllm"
        ? [`${here}peer_lens/${peer.runner}`, dir, out]
        : [`${here}peer_lens/${peer.runner}`, dir, commit, out];
      await _run(python, runnerArgs, `${here}peer_lens`);
      const result = JSON.parse(await Deno.readTextFile(out));
      await Deno.remove(out);
      console.error(`${peer.lens} ${commit}: ${result.requests.length} requests`);
      results.push(result);
    }
    const strip = (r: Record<string, unknown>) =>
      JSON.stringify({ requests: r.requests, run: r.run });
    for (const other of results.slice(1)) {
      if (strip(other) !== strip(results[0])) {
        throw new Error(`${peer.lens}: commits ${peer.commits.join(", ")} disagree`);
      }
    }
    const first = results[0] as { source: Record<string, unknown> };
    peers[peer.lens] = {
      ...results[0],
      source: { ...first.source, commits: peer.commits },
      runner: `bench/peer_lens/${peer.runner}`,
      environment: peer.python === "pandas"
        ? await _version(values["pandas-python"]!, ["numpy", "pandas", "pydantic", "requests"])
        : await _version(values.python!, ["numpy", "pydantic"]),
    };
  }
  const fixtures = {
    description: "What each peer's own code computed on tests/testdata/peer_lens_streams.json, " +
      "written by bench/peer_lens_fixtures.ts (see its header for how the peers were run). " +
      "Times in ms, rates in tokens/s; a request the peer counts as failed has ok false.",
    streams: { file: "tests/testdata/peer_lens_streams.json", sha256: await _sha256(streamsPath) },
    peers,
  };
  await Deno.writeTextFile(values.out!, JSON.stringify(fixtures, null, 1) + "\n");
  await _run(Deno.execPath(), ["fmt", "--quiet", values.out!]); // as `deno task check` wants it
  console.error(`wrote ${values.out}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
