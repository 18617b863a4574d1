import {
  assertEquals,
  assertMatch,
  assertOk,
  assertRejects,
} from "../../backends/testing/assert.ts";
import {
  assertLogged,
  assertStored,
  exists,
  finishOn,
  makeFaultyWorkspace,
  makeJob,
  makeStore,
  makeWorkspace,
  MiB,
  runFails,
} from "../testing/engine_fixture.ts";
import { FaultBackend, faultErrors } from "../../backends/memory/fault_backend.ts";
import { runUpload } from "./object_upload.ts";
import {
  ExitCode,
  InterruptedError,
  NeedsDecisionError,
  ResumableError,
  S3mpuError,
  UsageError,
} from "../errors.ts";
import { readJournal } from "../state/parts_journal.ts";
import { readMeta } from "../state/meta_file.ts";
import { multipartETag } from "../../backends/checksum.ts";

const SIZE = 23 * MiB + 12345; // 5 parts of 5 MiB: 4 full, 1 short

Deno.test("a fresh upload stores the exact bytes and removes the state files", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  const job = await makeJob(ws, store);
  const result = await runUpload(job);
  await assertStored(store, ws.bytes);
  assertEquals([result.parts, result.partsUploaded, result.partSize], [5, 5, 5 * MiB]);
  assertMatch(result.eTag, /-5$/);
  assertEquals([await exists(ws.metaPath), await exists(ws.partsPath)], [false, false]);
  assertLogged(job, "Initiating multipart upload in");
  await ws.cleanup();
});

Deno.test("a crash after some parts resumes and sends only the missing ones", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.crashAfter("uploadPart", 2);
  await runFails(ws, faulty, S3mpuError, { threads: 1 });
  const journal = await readJournal(ws.partsPath, (await readMeta(ws.metaPath))!.uploadId);
  assertEquals(journal.parts.size, 1, "the crashed part's response was lost before journaling");
  const { result, job: second } = await finishOn(ws, store, { threads: 2 });
  assertEquals(result.partsUploaded, 3, "parts 1 and 2 were on the server already");
  assertLogged(second, "2 parts have already been uploaded.");
  await ws.cleanup();
});

Deno.test("a part the server stored but the journal lacks is adopted, not re-sent", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.failOn("uploadPart", { nth: 3, beforeCall: false, error: faultErrors.fatal });
  const error = await runFails(ws, faulty, ResumableError, { threads: 1 });
  assertEquals((error as S3mpuError).exitCode, ExitCode.resumable);
  const { result, job: second } = await finishOn(ws, store);
  assertEquals(result.partsUploaded, 2);
  assertLogged(second, "Recorded 1 part(s) the server has");
  await ws.cleanup();
});

Deno.test("a journal line for a part the server lacks is sent again", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.crashAfter("uploadPart", 2);
  await runFails(ws, faulty, S3mpuError, { threads: 1 });
  const { uploadId } = (await readMeta(ws.metaPath))!;
  await Deno.writeTextFile(
    ws.partsPath,
    JSON.stringify({ eTag: "00000000000000000000000000000000", partNumber: 4, uploadId }) + "\n",
    { append: true },
  );
  const { result, job: second } = await finishOn(ws, store);
  assertEquals(result.partsUploaded, 3);
  assertLogged(second, "1 part(s) the server does not have");
  await ws.cleanup();
});

Deno.test("a Complete whose response is lost still succeeds (HeadObject confirms)", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.failOn("completeMultipartUpload", { beforeCall: false, error: faultErrors.retryable });
  const result = await runUpload(await makeJob(ws, faulty));
  await assertStored(store, ws.bytes);
  assertEquals(
    result.eTag,
    (await store.headObject({ bucket: "bkt", key: "obj" }, new AbortController().signal)).eTag,
  );
  await ws.cleanup();
});

Deno.test("a run killed during Complete leaves state that the next run finishes without sending", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.crashAfter("completeMultipartUpload", 1);
  await runFails(ws, faulty, S3mpuError);
  assertOk((await readMeta(ws.metaPath))?.completing, "completing marker written before Complete");
  const { result, job: second } = await finishOn(ws, store);
  assertEquals(result.partsUploaded, 0);
  assertLogged(second, "already completed by an earlier run");
  // Gone, not merely emptied: an empty journal beside a meta file would still be a recorded upload.
  for (const path of [ws.metaPath, ws.partsPath, `${ws.metaPath}.lock`]) {
    assertEquals(await exists(path), false, `${path} removed`);
  }
  await ws.cleanup();
});

Deno.test("a changed source needs a decision; --restart aborts the old upload and starts over", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.crashAfter("uploadPart", 2);
  await runFails(ws, faulty, S3mpuError, { threads: 1 });
  const oldUpload = (await readMeta(ws.metaPath))!.uploadId;
  const changed = ws.bytes.slice();
  changed[0] ^= 0xff;
  await Deno.writeFile(ws.filePath, changed);
  await Deno.utime(ws.filePath, new Date(), new Date(Date.now() + 5000));
  const error = await assertRejects(
    async () => runUpload(await makeJob(ws, store)),
    NeedsDecisionError,
    /source changed/,
  );
  assertEquals((error as S3mpuError).exitCode, ExitCode.needsDecision);
  const restarted = await makeJob(ws, store, { restart: true });
  const result = await runUpload(restarted);
  assertOk(result.uploadId !== oldUpload);
  assertLogged(restarted, `aborted the earlier upload ${oldUpload}`);
  await assertStored(store, changed);
  await ws.cleanup();
});

Deno.test("an upload purged on the server needs a decision; --restart starts over", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.crashAfter("uploadPart", 2);
  await runFails(ws, faulty, S3mpuError, { threads: 1 });
  store.expireUpload("bkt", (await readMeta(ws.metaPath))!.uploadId);
  const gone = await assertRejects(
    async () => runUpload(await makeJob(ws, store)),
    NeedsDecisionError,
    /no longer exists.*Run again with \[restart\]/,
  );
  assertEquals((gone as S3mpuError).remedy, "restart", "the remedy is a code the CLI words");
  assertOk(await exists(ws.metaPath), "state kept for the user to decide");
  await runUpload(await makeJob(ws, store, { restart: true }));
  await assertStored(store, ws.bytes);
  await ws.cleanup();
});

Deno.test("state for another bucket or key is refused (exit 2, never overwritten); another split size needs a decision", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  store.createBucket("other");
  const faulty = new FaultBackend(store);
  faulty.crashAfter("uploadPart", 1);
  await runFails(ws, faulty, S3mpuError, { threads: 1 });
  await assertRejects(
    async () => runUpload(await makeJob(ws, store, { bucket: "other" })),
    UsageError,
    /s3:\/\/bkt\/obj, not s3:\/\/other\/obj; s3mpu will not overwrite it/,
  );
  await assertRejects(
    async () => runUpload(await makeJob(ws, store, { key: "x", restart: true })),
    UsageError,
    /not s3:\/\/bkt\/x/,
  );
  await assertRejects(
    async () => runUpload(await makeJob(ws, store, { requestedPartSize: 6 * MiB })),
    NeedsDecisionError,
    /split size of 5242880 bytes, not 6291456/,
  );
  await runUpload(await makeJob(ws, store, { requestedPartSize: undefined }));
  await assertStored(store, ws.bytes);
  await ws.cleanup();
});

Deno.test("state files in the seed's exact format resume", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  const signal = new AbortController().signal;
  const uploadId = await store.createMultipartUpload({
    bucket: "bkt",
    key: "obj",
    checksumAlgorithm: "none",
  }, signal);
  const lines: string[] = [];
  for (const partNumber of [2, 1]) {
    const body = ws.bytes.subarray((partNumber - 1) * 5 * MiB, partNumber * 5 * MiB);
    const part = await store.uploadPart({
      bucket: "bkt",
      key: "obj",
      uploadId,
      partNumber,
      body,
      checksum: { algorithm: "none", value: "" },
    }, signal);
    lines.push(`{"eTag": "${part.eTag}", "partNumber": ${partNumber}, "uploadId": "${uploadId}"}`);
  }
  await Deno.writeTextFile(
    ws.metaPath,
    `{\n  "bucket": "bkt",\n  "key": "obj",\n  "uploadId": "${uploadId}",\n  "splitSize": ${
      5 * MiB
    }\n}`,
  );
  await Deno.writeTextFile(ws.partsPath, lines.join("\n") + "\n");
  const job = await makeJob(ws, store, { requestedPartSize: undefined });
  const result = await runUpload(job);
  assertEquals([result.partsUploaded, result.checksumAlgorithm], [3, "md5"]);
  assertLogged(job, "written by the original tool");
  await assertStored(store, ws.bytes);
  await ws.cleanup();
});

Deno.test("a seed upload with the seed's 5,000,000-byte split is refused before sending", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  await Deno.writeTextFile(
    ws.metaPath,
    JSON.stringify({ bucket: "bkt", key: "obj", uploadId: "u", splitSize: 5000000 }),
  );
  const refused = await assertRejects(
    async () => runUpload(await makeJob(ws, store, { requestedPartSize: undefined })),
    NeedsDecisionError,
    /below the store's minimum part size/,
  );
  assertEquals((refused as S3mpuError).remedy, "restart");
  assertEquals(store.stats.calls.uploadPart ?? 0, 0);
  await ws.cleanup();
});

Deno.test("a stop signal lets the part in flight finish, starts no new one, keeps state", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  const stop = new AbortController();
  const faulty = new FaultBackend(store);
  // The stop arrives while part 2 is in flight (during its 50 ms of latency).
  const stopDuringPart2 = (call: { partNumber?: number }) => {
    if (call.partNumber === 2) stop.abort();
    return true;
  };
  faulty.delayOn("uploadPart", { delayMs: 50, times: Infinity, match: stopDuringPart2 });
  const job = await makeJob(ws, faulty, { threads: 1, stopSignal: stop.signal });
  await assertRejects(() => runUpload(job), InterruptedError);
  const { uploadId } = (await readMeta(ws.metaPath))!;
  assertEquals([...(await readJournal(ws.partsPath, uploadId)).parts.keys()], [1, 2]);
  assertEquals(store.stats.calls.uploadPart, 2, "no part started after the stop");
  assertEquals((await finishOn(ws, store)).result.partsUploaded, 3);
  await ws.cleanup();
});

Deno.test("throttling is retried with backoff; expired credentials stop with exit 3", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.failOn("uploadPart", { nth: 2, times: 3, error: () => faultErrors.throttled(2) });
  const job = await makeJob(ws, faulty);
  await runUpload(job);
  assertEquals(job.context.logger.lines.filter((l) => l.includes("Retrying part")).length, 3);
  await assertStored(store, ws.bytes);

  const ws2 = await makeWorkspace(SIZE);
  const faulty2 = new FaultBackend(store);
  faulty2.failOn("uploadPart", { nth: 3, times: Infinity, error: faultErrors.auth });
  const error = await assertRejects(
    async () => runUpload(await makeJob(ws2, faulty2, { key: "obj2" })),
    ResumableError,
    /Log in again/,
  );
  assertEquals((error as S3mpuError).exitCode, 3);
  assertOk(await exists(ws2.metaPath));
  await ws.cleanup();
  await ws2.cleanup();
});

Deno.test("a parts file without its meta file needs a decision", async () => {
  const ws = await makeWorkspace(SIZE);
  await Deno.writeTextFile(ws.partsPath, `{"eTag":"a","partNumber":1,"uploadId":"u"}\n`);
  await assertRejects(
    async () => runUpload(await makeJob(ws, makeStore())),
    NeedsDecisionError,
    /meta file .* is missing/,
  );
  await ws.cleanup();
});

Deno.test("the multipart ETag of the result matches the one computed from the journal", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.crashAfter("completeMultipartUpload", 1);
  await runFails(ws, faulty, S3mpuError);
  const { uploadId } = (await readMeta(ws.metaPath))!;
  const journal = await readJournal(ws.partsPath, uploadId);
  const eTags = [...journal.parts.values()].sort((a, b) => a.partNumber - b.partNumber).map((p) =>
    p.eTag
  );
  const head = await store.headObject({ bucket: "bkt", key: "obj" }, new AbortController().signal);
  assertEquals(head.eTag, multipartETag(eTags));
  await ws.cleanup();
});
