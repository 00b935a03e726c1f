import { assertEquals } from "../_assert.ts";
import { clientHealth } from "../../lib/core/client_health.ts";

const record = (intendedSendMs: number, lagMs: number) => ({
  phase: "measure",
  intendedSendMs,
  actualSendMs: intendedSendMs + lagMs,
  outputTokens: 10,
  interTokenLatencyMs: 20,
});

Deno.test("clientHealth() judges the steady state: a cold first second gives no warning, a slow steady state does", () => {
  // The first requests (cold workers) are 9 ms late, the 40 after the first second 0.5 ms.
  const cold = [0, 1, 2].map((t) => record(t, 9));
  const steady = Array.from({ length: 40 }, (_, i) => record(1000 + 50 * i, 0.5));
  const healthy = clientHealth({ workers: 2, loopLagMs: [[]], records: [...cold, ...steady] });
  assertEquals(healthy.warnings, []);
  assertEquals(healthy.dispatchLagMsMax, 9); // still reported
  // Late all along: warned.
  const late = steady.map((r) => ({ ...r, actualSendMs: r.intendedSendMs + 8 }));
  const slow = clientHealth({ workers: 2, loopLagMs: [[]], records: [...cold, ...late] });
  assertEquals(slow.warnings.length, 1);
  assertEquals(slow.warnings[0].startsWith("dispatch lag p99 8.0 ms exceeds 5.0 ms"), true);
  // A short run has no steady state to judge apart: every request counts.
  const short = clientHealth({ workers: 2, loopLagMs: [[]], records: cold });
  assertEquals(short.warnings.length, 1);
  // Loop lag: the first second's samples (20 at 50 ms) are left out when 20 or more follow.
  const lag = [...Array(20).fill(12), ...Array(30).fill(0.3)];
  const lagged = clientHealth({ workers: 0, loopLagMs: [lag], records: steady });
  assertEquals(lagged.warnings, []);
  assertEquals(lagged.loopLagMsMax, 12);
  const busy = clientHealth({ workers: 0, loopLagMs: [lag.map(() => 12)], records: steady });
  assertEquals(busy.warnings.length, 1);
});
