import { assert, assertEquals } from "../_assert.ts";
import {
  bedrockErrorEvent,
  sanitizeBedrockMessage,
} from "../../lib/clients/bedrock_error_event.ts";

const named = (name: string, message = "boom", extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...extra });

Deno.test("bedrockErrorEvent() gives each Bedrock exception its HTTP-like code", () => {
  const expected: Record<string, number> = {
    ThrottlingException: 429,
    ModelTimeoutException: 408,
    ServiceUnavailableException: 503,
    ModelNotReadyException: 429,
    ValidationException: 400,
    AccessDeniedException: 403,
    ResourceNotFoundException: 404,
    InternalServerException: 500,
    ModelStreamErrorException: 424,
  };
  for (const [name, code] of Object.entries(expected)) {
    const event = bedrockErrorEvent(named(name, "why"));
    assertEquals(event, { kind: "error", code, name, message: `${name}: why` });
  }
});

Deno.test("bedrockErrorEvent() prefers the model's original status, then the HTTP status", () => {
  assertEquals(
    bedrockErrorEvent(named("ModelStreamErrorException", "x", { originalStatusCode: 503 })).code,
    503,
  );
  // A status outside 400-599 is not a usable original status.
  assertEquals(
    bedrockErrorEvent(named("ModelStreamErrorException", "x", { originalStatusCode: 200 })).code,
    424,
  );
  assertEquals(
    bedrockErrorEvent(named("SomethingNewException", "x", { $metadata: { httpStatusCode: 418 } }))
      .code,
    418,
  );
  // The response's status wins over the name's usual code (what the wire said is recorded).
  assertEquals(
    bedrockErrorEvent(named("ThrottlingException", "x", { $metadata: { httpStatusCode: 503 } }))
      .code,
    503,
  );
});

Deno.test("bedrockErrorEvent() names unmodelled stream exceptions like the SDK's classes", () => {
  const event = bedrockErrorEvent(named("throttlingException", '{"message":"slow down"}'));
  assertEquals([event.code, event.name], [429, "ThrottlingException"]);
});

Deno.test("bedrockErrorEvent() gives 599 to network failures and 408/499 after an abort", () => {
  assertEquals(bedrockErrorEvent(new TypeError("error sending request")).code, 599);
  assertEquals(bedrockErrorEvent("weird").message, "Error: weird");
  const cancelled = new AbortController();
  cancelled.abort();
  assertEquals(bedrockErrorEvent(named("AbortError"), { signal: cancelled.signal }).code, 499);
  const timedOut = new AbortController();
  timedOut.abort(new DOMException("late", "TimeoutError"));
  assertEquals(bedrockErrorEvent(named("AbortError"), { signal: timedOut.signal }).code, 408);
});

Deno.test("bedrockErrorEvent() mentions retries made", () => {
  const event = bedrockErrorEvent(named("ThrottlingException", "slow"), { retries: 1 });
  assertEquals(event.message, "ThrottlingException: slow (after 1 retry)");
});

Deno.test("sanitizeBedrockMessage() removes credentials and keeps one short line", () => {
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  assertEquals(secret.length, 40);
  const token = "IQoJb3JpZ2luX2VjE" + "A".repeat(200);
  const raw = [
    `The request signature we calculated does not match. Secret ${secret}.`,
    "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/bedrock,",
    "SignedHeaders=host;x-amz-date, Signature=0123abcd",
    `X-Amz-Security-Token=${token}`,
    "maxToken=5 stays",
  ].join("\n");
  const text = sanitizeBedrockMessage(raw);
  for (const leak of [secret, "AKIAIOSFODNN7EXAMPLE", "0123abcd", token.slice(0, 30)]) {
    assert(!text.includes(leak), `${leak} in ${text}`);
  }
  assert(!text.includes("\n"), "one line");
  assert(text.includes("maxToken=5 stays"), text);
  assert(sanitizeBedrockMessage("x".repeat(2000)).length <= 500, "at most 500 characters");
  assert(!sanitizeBedrockMessage("see http://user:pw@host/x").includes("pw@"), "userinfo");
});
