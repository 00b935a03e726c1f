/**
 * How long `import "tokenbench"` and its layer subpaths take, each in a fresh Deno process
 * (modules cached, as a notebook's second run sees them), and which heavy npm packages each one
 * loads. Prints the median and min–max over the repetitions, ms.
 *
 * ```sh
 * deno run --allow-read --allow-run --allow-env bench/import_time.ts [--repetitions 9]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";

const SPECIFIERS = [
  "tokenbench",
  "tokenbench/core",
  "tokenbench/report",
  "tokenbench/plot",
  "tokenbench/clients",
  "tokenbench/sim",
  "tokenbench/run",
] as const;

/** npm packages that cost a noticeable time or memory to load. */
const HEAVY = [
  "@aws-sdk/client-bedrock-runtime",
  "@aws-sdk/client-sagemaker-runtime",
  "vega",
  "vega-lite",
  "tiktoken",
  "llama-tokenizer-js",
  "@resvg/resvg-wasm",
];

const ROOT = new URL("..", import.meta.url);

async function importOnce(specifier: string): Promise<{ ms: number; heavy: string[] }> {
  const code = `
    const t0 = performance.now();
    await import(${JSON.stringify(specifier)});
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ ms }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const { ms } = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  return { ms, heavy: [] };
}

/** The heavy packages in the static module graph of `specifier` (dynamic imports left out). */
async function heavyPackages(specifier: string): Promise<string[]> {
  const file = specifier === "tokenbench"
    ? "mod.ts"
    : `lib/${specifier.slice("tokenbench/".length)}/mod.ts`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", file],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const modules = new Map<
    string,
    { dependencies?: { code?: { specifier: string }; isDynamic?: boolean; specifier: string }[] }
  >();
  for (const m of info.modules) modules.set(m.specifier, m);
  const seen = new Set<string>();
  const found = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    const spec = stack.pop()!;
    if (seen.has(spec)) continue;
    seen.add(spec);
    for (const dep of modules.get(spec)?.dependencies ?? []) {
      if (dep.isDynamic) continue;
      const target = dep.code?.specifier;
      if (!target) continue;
      const pkg = HEAVY.find((h) => dep.specifier === h || dep.specifier.startsWith(`${h}/`));
      if (pkg) found.add(pkg);
      if (target.startsWith("file:")) stack.push(target);
    }
  }
  return [...found].sort();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { repetitions: { type: "string" } } });
  const repetitions = Number(values.repetitions ?? 9);
  for (const s of SPECIFIERS) await importOnce(s); // fill the cache
  const times = new Map<string, number[]>(SPECIFIERS.map((s) => [s, []]));
  // Interleaved, so a burst of load on the machine hits every specifier alike.
  for (let i = 0; i < repetitions; i++) {
    for (const s of SPECIFIERS) times.get(s)!.push((await importOnce(s)).ms);
  }
  console.log(`import time, ${repetitions} fresh processes each, ms: median (min–max)`);
  for (const s of SPECIFIERS) {
    const t = times.get(s)!;
    const heavy = await heavyPackages(s);
    console.log(
      `${s.padEnd(20)} ${median(t).toFixed(0).padStart(5)} (${Math.min(...t).toFixed(0)}–${
        Math.max(...t).toFixed(0)
      })  static heavy packages: ${heavy.length ? heavy.join(", ") : "none"}`,
    );
  }
}
