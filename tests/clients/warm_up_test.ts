import { assert, assertEquals } from "../_assert.ts";
import { warmUpClient } from "../../lib/clients/warm_up.ts";
import { FAKE_AWS, withEnv } from "../_env.ts";

Deno.test("warmUpClient() runs every SSE client over both transports end to end without a network", async () => {
  // Port 9 (discard) on 127.0.0.1: nothing listens; a warm-up that sent anything would fail.
  for (const transport of ["http1", "fetch"] as const) {
    const specs = [
      { api: "openai", options: { baseUrl: "http://127.0.0.1:9/v1" }, transport },
      {
        api: "openai",
        options: { baseUrl: "http://127.0.0.1:9/v1", endpoint: "responses" },
        transport,
      },
      { api: "anthropic", options: { baseUrl: "http://127.0.0.1:9", apiKey: "k" }, transport },
      {
        api: "vertexai",
        options: {
          baseUrl: "http://127.0.0.1:9",
          project: "p",
          region: "us-central1",
          accessToken: "t",
        },
        transport,
      },
    ] as const;
    for (const spec of specs) {
      const result = await warmUpClient(spec, 2);
      assertEquals(result.notes, [], `${spec.api} ${transport}`);
      assertEquals(result.exchanges, 2, `${spec.api} ${transport}`);
    }
  }
});

Deno.test("warmUpClient() runs Bedrock's whole SDK path on canned frames without sending, and reports a failure instead of throwing", async () => {
  await withEnv(FAKE_AWS, async () => {
    for (const api of ["converse", "invoke"] as const) {
      // Port 9 (discard) on 127.0.0.1: were anything sent, the exchange would fail.
      const bedrock = await warmUpClient({
        api: "bedrock",
        options: { api, region: "us-east-1", endpointUrl: "http://127.0.0.1:9" },
      }, 2);
      assertEquals([bedrock.exchanges, bedrock.notes], [2, []], api);
    }
  });
  const sagemaker = await warmUpClient({
    api: "sagemaker",
    options: { endpointName: "e", region: "us-east-1", endpointUrl: "http://127.0.0.1:9" },
  } as never);
  assertEquals([sagemaker.exchanges, sagemaker.notes], [0, []]);
  const broken = await warmUpClient(
    { api: "openai", options: { baseUrl: "not a url" } } as never,
  );
  assertEquals(broken.exchanges, 0);
  assert(
    broken.notes.length === 1 && broken.notes[0].startsWith("warm-up failed"),
    broken.notes[0],
  );
});
