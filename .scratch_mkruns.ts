import { syntheticRun } from "./tests/_plot_fixture.ts";
const root = Deno.args[0];
for (const [k, provider] of ["A", "B"].entries()) {
  for (const c of [1, 4, 16]) {
    const dir = `${root}/2025_${provider}_c${c}`;
    await Deno.mkdir(dir, { recursive: true });
    const recs = syntheticRun({
      requests: 40,
      concurrency: c,
      ttftMs: 150 * (k + 1),
      itlMs: 15,
      errorRate: 0.01 * c,
      seed: c + k * 7,
      warmup: 2,
    });
    await Deno.writeTextFile(
      `${dir}/requests.jsonl`,
      recs.map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    await Deno.writeTextFile(
      `${dir}/summary.json`,
      JSON.stringify({
        schemaVersion: 1,
        metadata: {
          model: "sim-model",
          numConcurrentRequests: c,
          rate: null,
          userMetadata: { provider: `provider ${provider}` },
        },
      }),
    );
  }
}
