import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  roundHalfEven,
  TABLE_COLUMNS,
  tableRow,
  truncateDigits,
} from "../../lib/core/table_row.ts";

// Python's own round() and exact decimal truncation of 284 values at 0-3 digits (1,136 cases),
// exact ties included, made by python3 with testdata/python_round.py.
const PYTHON = JSON.parse(
  Deno.readTextFileSync(new URL("../testdata/python_round.json", import.meta.url)),
) as { cases: [string, number, string, string][] };

Deno.test("roundHalfEven() agrees with Python's round() on every fixture value", () => {
  let ties = 0;
  for (const [x, d, rounded] of PYTHON.cases) {
    assertEquals(roundHalfEven(Number(x), d), Number(rounded), `round(${x}, ${d})`);
    if (Number.isInteger(Number(x) * 2 ** (d + 1)) && (Number(x) * 2 ** (d + 1)) % 2 === 1) ties++;
  }
  // the fixture does exercise exact binary ties
  if (ties < 20) throw new Error(`only ${ties} exact ties in the fixture`);
});

Deno.test("roundHalfEven() sends exact ties to even and is not fooled by decimal-looking ties", () => {
  assertEquals(roundHalfEven(0.5, 0), 0);
  assertEquals(roundHalfEven(1.5, 0), 2);
  assertEquals(roundHalfEven(-2.5, 0), -2);
  assertEquals(roundHalfEven(0.375, 2), 0.38);
  assertEquals(roundHalfEven(2.675, 2), 2.67); // 2.67499999999999982236431605997495353221893310546875
  assertEquals(Number((2.675).toFixed(2)), 2.67);
  assertEquals(Number((0.125).toFixed(2)), 0.13); // toFixed rounds ties away from zero
  assertEquals(roundHalfEven(0.125, 2), 0.12);
  assertEquals(roundHalfEven(NaN, 2), NaN);
});

Deno.test("truncateDigits() cuts the exact decimal value like Python's Decimal ROUND_DOWN", () => {
  for (const [x, d, , cut] of PYTHON.cases) {
    assertEquals(truncateDigits(Number(x), d), Number(cut), `truncate(${x}, ${d})`);
  }
  assertEquals(truncateDigits(-1.239, 2), -1.23);
});

Deno.test("tableRow() computes median, mean, min, max and numpy-linear quantiles, then rounds", () => {
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const row = tableRow(values, { framework: "f", model: "m", digits: 3 });
  assertEquals(Object.keys(row), ["framework", "model", ...TABLE_COLUMNS]);
  // numpy.quantile(range(1, 11), [.5, .25, .75, .95, .99]) = 5.5, 3.25, 7.75, 9.55, 9.91
  assertEquals(row, {
    framework: "f",
    model: "m",
    median: 5.5,
    mean: 5.5,
    min: 1,
    max: 10,
    p25: 3.25,
    p75: 7.75,
    p95: 9.55,
    p99: 9.91,
  });
  const whole = tableRow(values, { framework: "f", model: "m", digits: 0 });
  assertEquals([whole.median, whole.p95, whole.p99], [6, 10, 10]); // 5.5 -> 6 (even), 9.55 -> 10
  const cut = tableRow(values, { framework: "f", model: "m", digits: 0, truncate: true });
  assertEquals([cut.median, cut.p95, cut.p99], [5, 9, 9]);
});

Deno.test("tableRow() of no values is a row of nulls; NaN values and bad digits are rejected", () => {
  const row = tableRow([], { framework: "f", model: "m" });
  for (const c of TABLE_COLUMNS) assertEquals(row[c], null);
  throws(() => tableRow([1, NaN], { framework: "f", model: "m" }), RangeError);
  throws(() => tableRow([1], { framework: "f", model: "m", digits: -1 }), /'digits'/);
  throws(() => roundHalfEven(1, 1.5), RangeError);
});
