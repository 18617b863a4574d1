import { BackendError, type BackendErrorKind } from "../errors.ts";
import { assertEquals, assertOk, assertRejects } from "../testing/assert.ts";
import { FaultBackend, type FaultCall, faultErrors } from "./fault_backend.ts";
import { MemoryBackend } from "./memory_backend.ts";

const signal = new AbortController().signal;
const none = { algorithm: "none" as const, value: "" };
const body = (n: number) => new Uint8Array(4).fill(n);

async function setup() {
  const memory = new MemoryBackend({ limits: { minPartSize: 4 } });
  memory.createBucket("b");
  const fault = new FaultBackend(memory);
  const uploadId = await memory.createMultipartUpload(
    { bucket: "b", key: "k", checksumAlgorithm: "none" },
    signal,
  );
  const ref = { bucket: "b", key: "k", uploadId };
  const put = (partNumber: number, s = signal) =>
    fault.uploadPart({ ...ref, partNumber, body: body(partNumber), checksum: none }, s);
  memory.resetStats();
  return { memory, fault, ref, put };
}

async function expectKind(promise: Promise<unknown>, kind: BackendErrorKind) {
  const error = await assertRejects(() => promise, BackendError) as BackendError;
  assertEquals(error.kind, kind, error.message);
  return error;
}

Deno.test("failOn before the call never reaches the server", async () => {
  const { memory, fault, ref, put } = await setup();
  const rule = fault.failOn("uploadPart", { error: faultErrors.retryable });
  await expectKind(put(1), "retryable");
  assertEquals(memory.stats.calls.uploadPart, 0);
  assertEquals(await memory.listParts(ref, signal), []);
  await put(1);
  assertEquals((await memory.listParts(ref, signal)).length, 1);
  assertEquals(rule.fired, 1);
});

Deno.test("nth and times pick which calls fail", async () => {
  const { fault, put } = await setup();
  fault.failOn("uploadPart", { nth: 2, times: 2, error: faultErrors.throttled(1500) });
  const outcomes = [];
  for (let n = 1; n <= 5; n++) {
    try {
      await put(n);
      outcomes.push("ok");
    } catch (error) {
      const e = error as BackendError;
      outcomes.push(`${e.kind}:${e.details.retryAfterMs}`);
    }
  }
  assertEquals(outcomes, ["ok", "throttled:1500", "throttled:1500", "ok", "ok"]);
});

Deno.test("failOn after the call keeps the server's work but loses the response", async () => {
  const { memory, fault, ref, put } = await setup();
  fault.failOn("uploadPart", { beforeCall: false, error: faultErrors.retryable });
  await expectKind(put(1), "retryable");
  assertEquals((await memory.listParts(ref, signal)).map((p) => p.partNumber), [1]);
  assertEquals(fault.calls[0].reachedServer, true);
  assertEquals(fault.calls[0].injected, "after");
});

Deno.test("a lost Complete response: the retry sees no_such_upload, headObject finds the object", async () => {
  const { fault, ref, put } = await setup();
  const parts = [await put(1), await put(2)];
  fault.failOn("completeMultipartUpload", { beforeCall: false, error: faultErrors.retryable });
  const complete = () =>
    fault.completeMultipartUpload({ ...ref, parts, checksumAlgorithm: "none" }, signal);
  await expectKind(complete(), "retryable");
  await expectKind(complete(), "no_such_upload");
  assertEquals((await fault.headObject!(ref, signal)).size, 8);
});

Deno.test("match and error factories target single calls", async () => {
  const { fault, put } = await setup();
  const seen: FaultCall[] = [];
  fault.failOn("uploadPart", {
    times: Infinity,
    match: (c) => c.partNumber === 3,
    error: (c) => {
      seen.push(c);
      return faultErrors.auth();
    },
  });
  await put(1);
  await put(2);
  await expectKind(put(3), "auth_expired");
  await expectKind(put(3), "auth_expired");
  await put(4);
  assertEquals(seen.map((c) => [c.partNumber, c.n]), [[3, 3], [3, 4]]);
  assertOk(seen.every((c) => c.uploadId !== undefined && c.key === "k"));
});

Deno.test("failOn with a delay is abortable", async () => {
  const { memory, fault, put } = await setup();
  fault.failOn("uploadPart", { delayMs: 10_000, error: faultErrors.retryable });
  const controller = new AbortController();
  const pending = put(1, controller.signal);
  setTimeout(() => controller.abort(), 5);
  await expectKind(pending, "aborted");
  assertEquals(memory.stats.calls.uploadPart, 0);
});

Deno.test("delayOn slows calls without failing them", async () => {
  const { fault, put } = await setup();
  fault.delayOn("uploadPart", { delayMs: 30 });
  const started = performance.now();
  await put(1);
  assertOk(performance.now() - started >= 25);
  const again = performance.now();
  await put(2);
  assertOk(performance.now() - again < 25, "the rule hits only the first call");
});

Deno.test("crashAfter halts after the n-th success and runs the hook", async () => {
  const { memory, fault, ref, put } = await setup();
  const controller = new AbortController();
  const hooked: FaultCall[] = [];
  fault.failOn("uploadPart", { nth: 1, error: faultErrors.retryable });
  fault.crashAfter("uploadPart", 2, (call) => {
    hooked.push(call);
    controller.abort();
  });
  await expectKind(put(1, controller.signal), "retryable"); // not a success: not counted
  await put(1, controller.signal);
  await expectKind(put(2, controller.signal), "aborted");
  assertEquals(hooked.map((c) => c.partNumber), [2]);
  assertOk(controller.signal.aborted);
  assertOk(fault.halted);
  // The server kept part 2; the next call never reaches it.
  assertEquals((await memory.listParts(ref, signal)).map((p) => p.partNumber), [1, 2]);
  const before = memory.stats.calls.uploadPart;
  await expectKind(put(3), "aborted");
  assertEquals(memory.stats.calls.uploadPart, before);
  assertEquals(fault.callsTo("uploadPart").map((c) => c.injected), [
    "before",
    undefined,
    "crash",
    "halted",
  ]);
  // A "next run" talks to the same server.
  fault.revive();
  assertEquals((await fault.listParts(ref, signal)).length, 2);
});

Deno.test("calls in flight when the backend halts lose their responses", async () => {
  const memory = new MemoryBackend({ latencyMs: 20 });
  memory.createBucket("b");
  const fault = new FaultBackend(memory);
  const pending = fault.createMultipartUpload(
    { bucket: "b", key: "k", checksumAlgorithm: "none" },
    signal,
  );
  fault.halt();
  await expectKind(pending, "aborted");
  assertEquals(memory.openUploads("b").length, 1, "the server still created the upload");
});

Deno.test("the call log records every call and its outcome", async () => {
  const { fault, ref, put } = await setup();
  fault.failOn("listParts", { error: faultErrors.noSuchUpload });
  await put(1);
  await expectKind(fault.listParts(ref, signal), "no_such_upload");
  await expectKind(fault.headObject!(ref, signal), "not_found");
  await expectKind(fault.headObject!(ref, AbortSignal.abort()), "aborted");
  const log = fault.calls.map((c) => [c.seq, c.method, c.n, c.outcome, c.reachedServer]);
  assertEquals(log, [
    [1, "uploadPart", 1, "ok", true],
    [2, "listParts", 1, "error", false],
    [3, "headObject", 1, "error", true],
    [4, "headObject", 2, "error", false],
  ]);
  assertEquals((fault.calls[2].error as BackendError).kind, "not_found");
  fault.clearLog();
  assertEquals(fault.calls.length, 0);
});

Deno.test("removed and cleared rules stop firing; name and limits pass through", async () => {
  const { memory, fault, put } = await setup();
  const rule = fault.failOn("uploadPart", { times: Infinity, error: faultErrors.fatal });
  await expectKind(put(1), "fatal");
  rule.remove();
  await put(1);
  fault.failOn("uploadPart", { times: Infinity, error: faultErrors.fatal });
  fault.clearRules();
  await put(2);
  assertEquals(rule.fired, 1);
  assertEquals(fault.name, "fault(memory)");
  assertEquals(fault.limits, memory.limits);
  fault.close();
});
