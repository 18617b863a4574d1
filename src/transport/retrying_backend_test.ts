import { assertEquals, assertMatch } from "../../backends/testing/assert.ts";
import { BackendError } from "../errors.ts";
import { memoryLogger } from "../log.ts";
import { retrying } from "./retrying_backend.ts";
import { MemoryBackend } from "../../backends/memory/memory_backend.ts";
import { FaultBackend } from "../../backends/memory/fault_backend.ts";

const policy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 };
const signal = new AbortController().signal;

Deno.test("every backend call goes through the retry path, aborts and listings too", async () => {
  const memory = new MemoryBackend();
  memory.createBucket("b");
  const faults = new FaultBackend(memory);
  const logger = memoryLogger();
  const retried: string[] = [];
  const backend = retrying(faults, { policy, logger, onRetry: (m) => retried.push(m) });
  const uploadId = await backend.createMultipartUpload(
    { bucket: "b", key: "k", checksumAlgorithm: "none" },
    signal,
  );
  for (const method of ["abortMultipartUpload", "listMultipartUploads"] as const) {
    faults.failOn(method, { error: new BackendError("retryable", "reset") });
  }
  assertEquals((await backend.listMultipartUploads!({ bucket: "b" }, signal)).length, 1);
  await backend.abortMultipartUpload({ bucket: "b", key: "k", uploadId }, signal);
  assertEquals(retried, ["listMultipartUploads", "abortMultipartUpload"]);
  const lines = logger.lines.filter((l) => l.includes("Retrying"));
  assertEquals(lines.length, 2);
  assertMatch(lines[1], /Retrying aborting upload \S+ in 0\.0 s after try 1 of 3 failed/);
  assertEquals((await backend.listMultipartUploads!({ bucket: "b" }, signal)).length, 0);
});

Deno.test("wrapping a retrying backend again does not multiply the tries", () => {
  const faults = new FaultBackend(new MemoryBackend());
  const once = retrying(faults, { policy });
  assertEquals(retrying(once, { policy }), once);
});
