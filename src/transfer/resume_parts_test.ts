/**
 * Resuming a long upload: only the parts after the journal's unbroken run are listed before
 * sending; the run is checked against the server while the rest is sent (resume_parts.ts).
 */
import { assertEquals, assertOk, assertRejects } from "../../backends/testing/assert.ts";
import {
  assertLogged,
  assertStored,
  finishOn,
  makeJob,
  makeWorkspace,
} from "../testing/engine_fixture.ts";
import { FaultBackend, faultErrors } from "../../backends/memory/fault_backend.ts";
import { ExitCode, ResumableError, type S3mpuError } from "../errors.ts";
import { MemoryBackend } from "../../backends/memory/memory_backend.ts";
import { readMeta } from "../state/meta_file.ts";
import { readJournal } from "../state/parts_journal.ts";
import { CHECK_WHILE_SENDING_MIN_PARTS } from "./resume_parts.ts";
import { runUpload } from "./object_upload.ts";

const PART = 1024;
const PARTS = CHECK_WHILE_SENDING_MIN_PARTS + 205;
const JOURNALED = CHECK_WHILE_SENDING_MIN_PARTS + 100; // the unbroken run a crash left

/** A store taking 1 KiB parts, and a workspace whose upload was killed after JOURNALED parts. */
async function crashedUpload() {
  const ws = await makeWorkspace(PARTS * PART - 100);
  const store = new MemoryBackend({ limits: { minPartSize: 1 } });
  store.createBucket("bkt");
  const faulty = new FaultBackend(store);
  // The kill lands after part JOURNALED + 1 reached the server but before it was journaled.
  faulty.crashAfter("uploadPart", JOURNALED + 1);
  const first = await makeJob(ws, faulty, { threads: 1, requestedPartSize: PART });
  await runUpload(first).then(() => Promise.reject(new Error("expected a crash")), () => {});
  const { uploadId } = (await readMeta(ws.metaPath))!;
  assertEquals((await readJournal(ws.partsPath, uploadId)).parts.size, JOURNALED);
  return { ws, store, uploadId };
}

Deno.test("a long resume lists from the journal's first gap, and sends while checking the rest", async () => {
  const { ws, store } = await crashedUpload();
  const watched = new FaultBackend(store);
  const fullListing = () =>
    watched.callsTo("listParts").find((c) => c.afterPartNumber === undefined);
  // Hold the full listing, and count the parts that start while it is unanswered.
  watched.delayOn("listParts", {
    times: Infinity,
    match: (c) => c.afterPartNumber === undefined,
    delayMs: 300,
  });
  let sentWhileChecking = 0;
  watched.delayOn("uploadPart", {
    times: Infinity,
    delayMs: 0,
    match: () => {
      const full = fullListing();
      if (full && full.outcome === undefined) sentWhileChecking++;
      return false;
    },
  });
  const job = await makeJob(ws, watched, { threads: 2, requestedPartSize: PART });
  const result = await runUpload(job);

  const listings = watched.callsTo("listParts");
  assertEquals(listings[0].afterPartNumber, JOURNALED, "the first listing starts at the gap");
  assertEquals(listings.length, 2, "then one full listing");
  // Part JOURNALED + 1 reached the server before the kill: adopted from the short listing.
  assertEquals(result.partsUploaded, PARTS - JOURNALED - 1);
  assertOk(sentWhileChecking > 0, "parts were sent while the journaled run was being checked");
  assertLogged(job, "Recorded 1 part(s) the server has");
  assertLogged(job, `${JOURNALED + 1} parts have already`);
  await assertStored(store, ws.bytes);
  await ws.cleanup();
});

Deno.test("a journaled part the server lost is found while sending and sent before Complete", async () => {
  const { ws, store, uploadId } = await crashedUpload();
  assertOk(store.dropPart("bkt", uploadId, 17));
  const { result, job } = await finishOn(ws, store, { threads: 2, requestedPartSize: PART });
  assertEquals(result.partsUploaded, PARTS - JOURNALED - 1 + 1);
  assertLogged(job, "1 part(s) the server does not have");
  assertLogged(job, "Will upload 1 more chunks.");
  await ws.cleanup();
});

Deno.test("a journaled part whose server copy differs is taken from the server's listing", async () => {
  const { ws, store } = await crashedUpload();
  // Part 9 journaled with an ETag the server never gave: the server's copy is the truth.
  const text = await Deno.readTextFile(ws.partsPath);
  await Deno.writeTextFile(
    ws.partsPath,
    text.replace(
      /"eTag":"[0-9a-f]+","partNumber":9,/,
      `"eTag":"${"0".repeat(32)}","partNumber":9,`,
    ),
  );
  assertOk((await Deno.readTextFile(ws.partsPath)) !== text, "the journal line was rewritten");
  const { result, job } = await finishOn(ws, store, { threads: 2, requestedPartSize: PART });
  assertEquals(result.partsUploaded, PARTS - JOURNALED - 1);
  assertLogged(job, "Recorded 1 part(s) the server has");
  await ws.cleanup();
});

Deno.test("a short journaled run is checked with one full listing before sending", async () => {
  const ws = await makeWorkspace(40 * PART);
  const store = new MemoryBackend({ limits: { minPartSize: 1 } });
  store.createBucket("bkt");
  const faulty = new FaultBackend(store);
  faulty.crashAfter("uploadPart", 10);
  await makeJob(ws, faulty, { threads: 1, requestedPartSize: PART })
    .then(runUpload).then(() => Promise.reject(new Error("expected a crash")), () => {});
  const watched = new FaultBackend(store);
  const result = await runUpload(await makeJob(ws, watched, { requestedPartSize: PART }));
  assertEquals(watched.callsTo("listParts").map((c) => c.afterPartNumber), [undefined]);
  assertEquals(result.partsUploaded, 30);
  await assertStored(store, ws.bytes);
  await ws.cleanup();
});

Deno.test("a full listing that keeps failing stops the run with exit 3 after the sends; the next run finishes", async () => {
  const { ws, store, uploadId } = await crashedUpload();
  const faulty = new FaultBackend(store);
  faulty.failOn("listParts", {
    times: Infinity,
    match: (c) => c.afterPartNumber === undefined,
    error: faultErrors.retryable,
  });
  const job = await makeJob(ws, faulty, { threads: 2, requestedPartSize: PART });
  const error = await assertRejects(() => runUpload(job), ResumableError);
  assertEquals((error as S3mpuError).exitCode, ExitCode.resumable);
  assertEquals(faulty.callsTo("completeMultipartUpload").length, 0, "no Complete unconfirmed");
  // The parts sent meanwhile were journaled, so the next run has nothing left but to check.
  assertEquals((await readJournal(ws.partsPath, uploadId)).parts.size, PARTS);
  const next = await finishOn(ws, store, { threads: 2, requestedPartSize: PART });
  assertEquals(next.result.partsUploaded, 0);
  await ws.cleanup();
});
