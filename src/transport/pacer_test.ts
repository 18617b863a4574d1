import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import { decorate } from "../../backends/decorate.ts";
import { FaultBackend, faultErrors } from "../../backends/memory/fault_backend.ts";
import { MemoryBackend } from "../../backends/memory/memory_backend.ts";
import type { Backend } from "../../backends/types.ts";
import { Pacer } from "./pacer.ts";
import { retrying } from "./retrying_backend.ts";

const signal = new AbortController().signal;
const policy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2_000 };
const THROTTLE_MS = 300;

/** A store whose part 1 is throttled once (Retry-After 300 ms) and part 2 fails once at 50 ms. */
async function scene(pacer: Pacer | undefined) {
  const memory = new MemoryBackend();
  memory.createBucket("b");
  const faults = new FaultBackend(memory);
  const ref = { bucket: "b", key: "k" };
  const uploadId = await memory.createMultipartUpload(
    { ...ref, checksumAlgorithm: "none" },
    signal,
  );
  faults.failOn("uploadPart", {
    match: (c) => c.partNumber === 1,
    error: faultErrors.throttled(THROTTLE_MS),
  });
  faults.failOn("uploadPart", {
    match: (c) => c.partNumber === 2,
    delayMs: 50,
    error: faultErrors.retryable(),
  });
  // Every attempt as it reaches the faults, with when it began.
  const start = performance.now();
  const attempts: Array<{ part: number; at: number }> = [];
  const timed: Backend = decorate(faults, (_method, args, call) => {
    attempts.push({ part: (args[0] as { partNumber: number }).partNumber, at: performance.now() });
    return call(args);
  });
  const backend = retrying(timed, { policy, pacer });
  const send = (partNumber: number) =>
    backend.uploadPart({
      ...ref,
      uploadId,
      partNumber,
      body: new Uint8Array(8),
      checksum: { algorithm: "none", value: "" },
    }, signal);
  await Promise.all([send(1), send(2)]);
  return { attempts: attempts.map((a) => ({ ...a, at: a.at - start })), faults };
}

Deno.test("a throttle on one call holds back the other calls' next attempts (one pacer per store)", async () => {
  const { attempts } = await scene(new Pacer());
  const secondOf = (part: number) => attempts.filter((a) => a.part === part)[1];
  assertEquals(attempts.filter((a) => a.part === 2).length, 2, "part 2 tried twice");
  // Part 2's retry came after its own failure (50 ms), but waited for part 1's gate (300 ms).
  assertOk(
    secondOf(2).at >= THROTTLE_MS - 5,
    `part 2 retried at ${secondOf(2).at.toFixed(0)} ms, inside the throttle`,
  );
  assertOk(secondOf(1).at >= THROTTLE_MS - 5, "part 1 waited its own Retry-After");
});

Deno.test("without a shared pacer, only the throttled call waits", async () => {
  const { attempts } = await scene(undefined);
  const retryOf2 = attempts.filter((a) => a.part === 2)[1];
  assertOk(retryOf2.at < THROTTLE_MS - 50, `part 2 retried at ${retryOf2.at.toFixed(0)} ms`);
});

Deno.test("the pacer's gate opens by itself, and a stop never waits on it", async () => {
  let now = 0;
  const pacer = new Pacer(() => now);
  assertEquals(pacer.waitMs, 0);
  pacer.throttle(1_000);
  pacer.throttle(10); // a shorter throttle never shortens the wait
  assertEquals(pacer.waitMs, 1_000);
  now = 1_000;
  assertEquals(pacer.waitMs, 0);
  await pacer.wait(signal); // open: at once
  pacer.throttle(60_000);
  await pacer.wait(AbortSignal.abort()); // a stopped run's attempt fails as aborted instead
});
