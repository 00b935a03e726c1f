import { assert, assertEquals } from "../_assert.ts";
import { plotErrors } from "../../lib/plot/plot_errors.ts";
import { renderSvg } from "../../lib/plot/render_svg.ts";
import { dataValues, svgTexts, syntheticRun } from "../_plot_fixture.ts";

const records = syntheticRun({
  requests: 40,
  concurrency: 4,
  ttftMs: 100,
  itlMs: 10,
  errorRate: 0.2,
  seed: 4,
  warmup: 5,
});

Deno.test("plotErrors() counts failed measured requests per run and per code", () => {
  const measured = records.filter((r) => r.phase === "measure");
  const failed = measured.filter((r) => r.status === "error");
  const [rates, codes] = dataValues(plotErrors({ label: "A", records }));
  assertEquals(rates[0].started, measured.length);
  assertEquals(rates[0].failed, failed.length);
  assertEquals(rates[0].errorRate, failed.length / measured.length);
  const count = (code: number) => failed.filter((r) => r.errorCode === code).length;
  assertEquals(codes, [
    { run: "A", code: "429", count: count(429) },
    { run: "A", code: "599 network", count: count(599) },
  ]);
  assert(count(429) > 0 && count(599) === 1);
});

Deno.test("plotErrors() shows a 0 % bar and 'no errors' for a clean run", async () => {
  const clean = records.filter((r) => r.status === "ok");
  const texts = svgTexts(await renderSvg(plotErrors({ label: "clean", records: clean })));
  const n = clean.filter((r) => r.phase === "measure").length;
  for (const t of ["no errors", `0 of ${n} (0.0%)`, "Failed requests (% of measured)"]) {
    assert(texts.includes(t), `missing ${t}: ${texts.join("|")}`);
  }
});

Deno.test("plotErrors() names tokenbench's own codes", async () => {
  const timeout = { ...records.find((r) => r.status === "error")!, errorCode: 408 };
  const texts = svgTexts(await renderSvg(plotErrors([{ label: "t", records: [timeout] }])));
  assert(texts.includes("408 timeout"), texts.join("|"));
});
