/**
 * Assertions for tests (JSR's @std/assert cannot be reached here): thin names over node:assert.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** Truthiness. */
export function assert_(condition: unknown, message?: string): asserts condition {
  assert.ok(condition, message);
}
export { assert_ as assert };

/** |actual − expected| ≤ tolerance. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance: number,
  message?: string,
): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new assert.AssertionError({
      message: message ?? `expected ${actual} to be within ${tolerance} of ${expected}`,
      actual,
      expected,
    });
  }
}

/** The function throws (or the promise rejects) with an error of this class whose message includes `includes`. */
export async function assertRejects(
  fn: () => unknown,
  ErrorClass: new (...args: never[]) => Error = Error,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err}`);
    if (includes !== undefined) {
      assert.ok((err as Error).message.includes(includes), `message: ${(err as Error).message}`);
    }
    return err as Error;
  }
  throw new assert.AssertionError({ message: `expected ${ErrorClass.name} to be thrown` });
}
