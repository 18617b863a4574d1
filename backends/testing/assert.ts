/**
 * Small assertion helpers for Deno.test on top of node:assert (JSR's @std/assert is not
 * reachable from our machines).
 */
import assert from "node:assert/strict";

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

/** Asserts `fn` throws an instance of `type` whose message matches `pattern`. */
export function assertThrows(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  pattern?: RegExp,
  message?: string,
): Error {
  try {
    fn();
  } catch (error) {
    checkError(error, type, pattern, message);
    return error as Error;
  }
  throw new assert.AssertionError({
    message: `${message ?? ""} expected ${type.name} to be thrown`,
  });
}

/** Asserts the promise rejects with an instance of `type` whose message matches `pattern`. */
export async function assertRejects(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  pattern?: RegExp,
  message?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    checkError(error, type, pattern, message);
    return error as Error;
  }
  throw new assert.AssertionError({ message: `${message ?? ""} expected ${type.name} rejection` });
}

function checkError(
  error: unknown,
  type: abstract new (...args: never[]) => Error,
  pattern: RegExp | undefined,
  message: string | undefined,
): void {
  assert.ok(
    error instanceof type,
    `${message ?? ""} expected ${type.name}, got ${String(error)}`,
  );
  if (pattern) assert.match((error as Error).message, pattern, message);
}

/** Asserts a value is truthy. */
export function assertOk(value: unknown, message?: string): asserts value {
  assert.ok(value, message);
}

/** Asserts `text` matches `pattern`. */
export function assertMatch(text: string, pattern: RegExp, message?: string): void {
  assert.match(text, pattern, message);
}
