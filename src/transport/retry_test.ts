import { assertEquals, assertRejects } from "../../backends/testing/assert.ts";
import { backoffDelay, withRetry } from "./retry.ts";
import { BackendError } from "../errors.ts";

const fast = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

Deno.test("withRetry retries retryable errors and returns the first success", async () => {
  const delays: number[] = [];
  let calls = 0;
  const result = await withRetry(() => {
    calls++;
    if (calls < 3) throw new BackendError("retryable", "reset");
    return Promise.resolve("ok");
  }, {
    policy: fast,
    signal: new AbortController().signal,
    onRetry: (_e, _a, d) => delays.push(d),
  });
  assertEquals([result, calls, delays.length], ["ok", 3, 2]);
});

Deno.test("withRetry gives up after maxAttempts and rethrows the last error", async () => {
  let calls = 0;
  await assertRejects(
    () =>
      withRetry(() => {
        calls++;
        throw new BackendError("throttled", `slow ${calls}`);
      }, { policy: fast, signal: new AbortController().signal }),
    BackendError,
    /slow 4/,
  );
  assertEquals(calls, 4);
});

Deno.test("withRetry does not retry fatal, auth or no-such-upload errors", async () => {
  for (const kind of ["fatal", "auth", "no_such_upload", "invalid_request"] as const) {
    let calls = 0;
    await assertRejects(() =>
      withRetry(() => {
        calls++;
        throw new BackendError(kind, kind);
      }, { policy: fast, signal: new AbortController().signal }), BackendError);
    assertEquals(calls, 1, kind);
  }
});

Deno.test("backoffDelay grows, is capped, and honours Retry-After", () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  const top = () => 1;
  assertEquals([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, undefined, top)), [
    100,
    200,
    400,
    800,
    1000,
  ]);
  assertEquals(backoffDelay(policy, 1, 700, () => 0), 700);
  assertEquals(backoffDelay(policy, 1, 60_000, () => 0), 1000);
});
