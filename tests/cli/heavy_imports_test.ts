import { assert, assertEquals } from "../_assert.ts";

/** npm packages a module loads when it is imported: its static graph, dynamic imports left out. */
async function staticPackages(entry: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: {
      specifier: string;
      dependencies?: { specifier: string; code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const root = graph.modules.find((m) => m.specifier.endsWith(entry.replace(/^\.\//, "")));
  assert(root, `no module for ${entry}`);
  const packages = new Set<string>();
  const seen = new Set<string>();
  const walk = (specifier: string) => {
    if (seen.has(specifier)) return;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.isDynamic || dep.code === undefined) continue; // dynamic or type-only
      const target = dep.code.specifier;
      if (target.startsWith("npm:")) {
        packages.add(target.slice(4).replace(/^(@?[^@]+).*$/, "$1"));
      } else if (target.startsWith("file:")) walk(target);
    }
  };
  walk(root.specifier);
  return packages;
}

const HEAVY = ["@aws-sdk/", "@smithy/", "vega", "@resvg/"];

Deno.test("no work at import: the faces load no heavy package they do not need at once", async () => {
  for (const face of ["lib/core/mod.ts", "lib/report/mod.ts", "lib/clients/mod.ts"]) {
    const heavy = [...await staticPackages(face)].filter((p) => HEAVY.some((h) => p.startsWith(h)));
    assertEquals(heavy, [], `${face} loads ${heavy.join(", ")} when imported`);
  }
  // The walk sees static imports: the core face does load the tokenizers when imported
  // (createTokenizer is synchronous), and csv for the report face.
  assert((await staticPackages("lib/core/mod.ts")).has("tiktoken"), "tiktoken not seen");
  assert((await staticPackages("lib/report/mod.ts")).has("csv-stringify"), "csv not seen");
});
