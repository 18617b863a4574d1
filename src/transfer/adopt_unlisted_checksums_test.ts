/**
 * Resuming on a store whose ListParts reports no part checksums (SeaweedFS): a part the
 * server has but the journal lacks is read from the file and checksummed locally, not sent
 * again; `s3mpu status` predicts exactly that (upload_status.ts shares the decision).
 */
import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import { assertLogged, assertStored, makeJob, makeWorkspace } from "../testing/engine_fixture.ts";
import { FaultBackend } from "../../backends/memory/fault_backend.ts";
import { MemoryBackend } from "../../backends/memory/memory_backend.ts";
import { computeChecksum } from "../../backends/checksum.ts";
import { BackendError } from "../errors.ts";
import { readMeta } from "../state/meta_file.ts";
import { readJournal } from "../state/parts_journal.ts";
import { runUpload } from "./object_upload.ts";
import { uploadStatus } from "../inspect/upload_status.ts";

const PART = 1024;
const PARTS = 12;
/** The crash lands after part CRASH_AT reached the server, before it was journaled. */
const CRASH_AT = 5;

/** A crc32 upload on a store that lists no checksums, killed with part 5 unjournaled. */
async function crashedUpload(store: MemoryBackend) {
  const ws = await makeWorkspace(PARTS * PART - 10);
  store.createBucket("bkt");
  const faulty = new FaultBackend(store);
  faulty.crashAfter("uploadPart", CRASH_AT);
  const first = await makeJob(ws, faulty, { threads: 1, requestedPartSize: PART });
  await runUpload(first).then(() => Promise.reject(new Error("expected a crash")), () => {});
  const meta = (await readMeta(ws.metaPath))!;
  assertEquals(meta.checksumAlgorithm, "crc32");
  const journal = await readJournal(ws.partsPath, meta.uploadId);
  assertEquals([...journal.parts.keys()].sort((a, b) => a - b), [1, 2, 3, 4]);
  const listed = await store.listParts(
    { bucket: "bkt", key: "obj", uploadId: meta.uploadId },
    new AbortController().signal,
  );
  assertEquals(listed.map((p) => p.partNumber), [1, 2, 3, 4, 5]);
  const listsChecksums = listed.every((p) => p.checksum !== undefined);
  return { ws, meta, journal: journal.parts, listed, listsChecksums };
}

function statusOf(state: Awaited<ReturnType<typeof crashedUpload>>) {
  return uploadStatus({
    meta: state.meta,
    journal: state.journal,
    server: state.listed,
    ttlHours: null,
    now: new Date(),
  });
}

Deno.test("a server part without a listed checksum is read and checksummed from the file, not sent again", async () => {
  const store = new MemoryBackend({ limits: { minPartSize: 1 }, listPartsOmitsChecksums: true });
  const state = await crashedUpload(store);
  assertEquals(state.listsChecksums, false);
  const status = statusOf(state);
  assertEquals(status.serverOnly, [CRASH_AT]);
  assertEquals(status.adoptAfterRead, [CRASH_AT]);
  assertOk(
    status.warnings.some((w) => w.includes("reads them from the file") && w.includes("(5)")),
    status.warnings.join("\n"),
  );

  const watched = new FaultBackend(store);
  const job = await makeJob(state.ws, watched, { threads: 2, requestedPartSize: PART });
  const result = await runUpload(job);
  const sent = watched.callsTo("uploadPart").map((c) => c.partNumber!).sort((a, b) => a - b);
  assertEquals(sent, [6, 7, 8, 9, 10, 11, 12], "part 5 is not sent again");
  assertEquals(result.partsUploaded, PARTS - CRASH_AT);
  assertLogged(job, "Read 1 part(s) the server has");
  await assertStored(store, state.ws.bytes);
  await state.ws.cleanup();
});

Deno.test("the adopted part is journaled with the checksum of the file's bytes", async () => {
  const store = new MemoryBackend({ limits: { minPartSize: 1 }, listPartsOmitsChecksums: true });
  const state = await crashedUpload(store);
  // Fail every Complete, so the journal survives the run and can be read.
  const watched = new FaultBackend(store);
  watched.failOn("completeMultipartUpload", {
    times: Infinity,
    error: new BackendError("invalid_request", "held"),
  });
  const job = await makeJob(state.ws, watched, { threads: 1, requestedPartSize: PART });
  await runUpload(job).then(() => Promise.reject(new Error("expected Complete to fail")), () => {});
  assertOk(!watched.callsTo("uploadPart").some((c) => c.partNumber === CRASH_AT));
  const journal = await readJournal(state.ws.partsPath, state.meta.uploadId);
  const bytes = state.ws.bytes.subarray((CRASH_AT - 1) * PART, CRASH_AT * PART);
  assertEquals(journal.parts.get(CRASH_AT)?.checksum, computeChecksum("crc32", bytes));
  assertEquals(journal.parts.get(CRASH_AT)?.eTag, state.listed[CRASH_AT - 1].eTag);
  await state.ws.cleanup();
});

Deno.test("a server part whose MD5 ETag differs from the file's bytes is sent again", async () => {
  const store = new MemoryBackend({ limits: { minPartSize: 1 }, listPartsOmitsChecksums: true });
  const state = await crashedUpload(store);
  // Another client overwrote part 5 on the server with bytes of the same size.
  const other = new Uint8Array(PART).fill(7);
  await store.uploadPart({
    bucket: "bkt",
    key: "obj",
    uploadId: state.meta.uploadId,
    partNumber: CRASH_AT,
    body: other,
    checksum: { algorithm: "crc32", value: computeChecksum("crc32", other) },
  }, new AbortController().signal);
  const watched = new FaultBackend(store);
  const job = await makeJob(state.ws, watched, { threads: 1, requestedPartSize: PART });
  await runUpload(job);
  const sent = watched.callsTo("uploadPart").map((c) => c.partNumber!).sort((a, b) => a - b);
  assertEquals(sent, [5, 6, 7, 8, 9, 10, 11, 12]);
  assertLogged(job, "not the MD5 of the file's bytes");
  await assertStored(store, state.ws.bytes);
  await state.ws.cleanup();
});

Deno.test("where ETags are not MD5s the part is adopted on its size and local checksum", async () => {
  const store = new MemoryBackend({
    limits: { minPartSize: 1 },
    listPartsOmitsChecksums: true,
    etagIsMd5: false,
  });
  const state = await crashedUpload(store);
  const watched = new FaultBackend(store);
  const job = await makeJob(state.ws, watched, {
    threads: 1,
    requestedPartSize: PART,
    etagIsMd5: false,
  });
  await runUpload(job);
  assertEquals(watched.callsTo("uploadPart").length, PARTS - CRASH_AT);
  await assertStored(store, state.ws.bytes);
  await state.ws.cleanup();
});

Deno.test("status and resume agree when the server lists checksums: recorded from the listing", async () => {
  const store = new MemoryBackend({ limits: { minPartSize: 1 } });
  const state = await crashedUpload(store);
  assertEquals(state.listsChecksums, true);
  const status = statusOf(state);
  assertEquals(status.serverOnly, [CRASH_AT]);
  assertEquals(status.adoptAfterRead, []);
  assertOk(status.warnings.some((w) => w.includes("the next run records them from the listing")));
  const job = await makeJob(state.ws, store, { threads: 1, requestedPartSize: PART });
  await runUpload(job);
  assertLogged(job, "Recorded 1 part(s) the server has");
  assertOk(!job.context.logger.lines.some((l) => l.includes("Read 1 part(s)")));
  await assertStored(store, state.ws.bytes);
  await state.ws.cleanup();
});
