import { assertEquals } from "../_assert.ts";
import { BEDROCK_ERROR_CODES, bedrockExceptionForStatus } from "../../lib/wire/bedrock_errors.ts";

Deno.test("bedrockExceptionForStatus() inverts the table for every status the simulator injects", () => {
  for (const status of [400, 403, 404, 408, 429, 500, 503]) {
    const name = bedrockExceptionForStatus(status);
    assertEquals(BEDROCK_ERROR_CODES[name], status);
  }
  assertEquals(bedrockExceptionForStatus(418), "ModelErrorException");
  assertEquals(bedrockExceptionForStatus(504), "InternalServerException");
});
