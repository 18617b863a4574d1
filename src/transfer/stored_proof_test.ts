/**
 * The proof of a stored object on the memory store: a read-back where the store keeps nothing
 * that proves it (opaque ETags, no checksum), damage found by the read-back or by the store's
 * own checksum, --no-read-back, an old journal without CRC32s, an empty file put whole, and a
 * Complete still running when the next run starts.
 */
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
  intercept,
  makeJob,
  makeStore,
  makeWorkspace,
  MiB,
} from "../testing/engine_fixture.ts";
import { FaultBackend, faultErrors } from "../../backends/memory/fault_backend.ts";
import type { MemoryBackend } from "../../backends/memory/memory_backend.ts";
import type { Backend } from "../../backends/types.ts";
import { bodySlices, collectSlices } from "../../backends/part_body.ts";
import { runUpload } from "./object_upload.ts";
import { NeedsDecisionError, S3mpuError } from "../errors.ts";
import { readMeta } from "../state/meta_file.ts";

const SIZE = 11 * MiB + 5; // 3 parts of 5 MiB
const signal = new AbortController().signal;
/** A store whose ETags are not MD5s and that keeps no checksum of an md5 upload. */
const opaque = { checksumAlgorithm: "md5", etagIsMd5: false } as const;

/** `store` with one byte of every part numbered `damaged` flipped on the way in. */
function damaging(store: MemoryBackend, damaged: number): Backend {
  return intercept(store, {
    beforePart: async (input, s) => {
      if (input.partNumber !== damaged) return input;
      const body = await collectSlices(bodySlices(input.body, s));
      body[100] ^= 0xff;
      return { ...input, body };
    },
  });
}

/** A workspace whose first run stopped at Complete, which never reached the store. */
async function stoppedAtComplete() {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  const faulty = new FaultBackend(store);
  faulty.failOn("completeMultipartUpload", { error: faultErrors.fatal() });
  await assertRejects(async () => runUpload(await makeJob(ws, faulty)), S3mpuError);
  const meta = (await readMeta(ws.metaPath))!;
  assertOk(meta.completing, "the completing marker stays");
  faulty.clearRules();
  return { ws, store, faulty, meta };
}

Deno.test("with nothing the store computed to compare, the object is read back, one range per part", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore({ etagIsMd5: false });
  const job = await makeJob(ws, store, opaque);
  const result = await runUpload(job);
  await assertStored(store, ws.bytes);
  assertEquals(result.proof, "read-back");
  assertEquals(store.stats.calls.readObject, 3);
  assertLogged(job, /proved by reading it back/);
  await ws.cleanup();
});

Deno.test("a part the store kept damaged is found by the read-back: exit 4, state kept", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore({ etagIsMd5: false, verifiesChecksums: false });
  const job = await makeJob(ws, damaging(store, 2), opaque);
  const error = await assertRejects(() => runUpload(job), NeedsDecisionError);
  assertMatch(error.message, /not proved to hold the bytes sent: read back: part 2 differs/);
  assertOk(await exists(ws.metaPath), "state kept");
  await ws.cleanup();
});

Deno.test("a part the store kept damaged is found by its FULL_OBJECT CRC32, nothing read back", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore({ verifiesChecksums: false });
  const job = await makeJob(ws, damaging(store, 1), { checksumType: "FULL_OBJECT" });
  const error = await assertRejects(() => runUpload(job), NeedsDecisionError);
  assertMatch(error.message, /its full-object CRC32 \S+ differs from the \S+ of the bytes sent/);
  assertEquals(store.stats.calls.readObject, 0);
  await ws.cleanup();
});

Deno.test("--no-read-back: done, and the result says the object is not proved", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore({ etagIsMd5: false });
  const job = await makeJob(ws, store, { ...opaque, readBack: false });
  const result = await runUpload(job);
  await assertStored(store, ws.bytes);
  assertEquals([result.proof, store.stats.calls.readObject], ["none", 0]);
  assertLogged(job, /NOT proved to hold the bytes sent/);
  await ws.cleanup();
});

Deno.test("a journal without CRC32s (an older run's) is read back against the file", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore({ etagIsMd5: false });
  const faulty = new FaultBackend(store);
  faulty.failOn("completeMultipartUpload", { error: faultErrors.fatal() });
  // No part checksum at all: the journal's CRC32 is the only value, and it is dropped.
  const settings = { ...opaque, checksumAlgorithm: "none" as const };
  await assertRejects(async () => runUpload(await makeJob(ws, faulty, settings)), S3mpuError);
  const lines = (await Deno.readTextFile(ws.partsPath)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(lines.every((l) => typeof l.crc32 === "string"), true, "CRC32s journaled");
  await Deno.writeTextFile(
    ws.partsPath,
    lines.map(({ crc32: _, ...rest }) => JSON.stringify(rest) + "\n").join(""),
  );
  const result = await runUpload(await makeJob(ws, store, settings));
  assertEquals(result.proof, "read-back");
  await assertStored(store, ws.bytes);
  await ws.cleanup();
});

Deno.test("an empty file is put whole, proved, and leaves no state files", async () => {
  for (const [settings, proof] of [[{}, "full-object-crc32"], [opaque, "read-back"]] as const) {
    const ws = await makeWorkspace(0);
    const store = makeStore(settings === opaque ? { etagIsMd5: false } : {});
    const result = await runUpload(await makeJob(ws, store, settings));
    assertEquals(store.getObject("bkt", "obj"), new Uint8Array(0));
    assertEquals([result.uploadId, result.parts, result.size, result.proof], [null, 0, 0, proof]);
    assertEquals(store.stats.calls.createMultipartUpload, 0);
    assertEquals([await exists(ws.metaPath), await exists(ws.partsPath)], [false, false]);
    await ws.cleanup();
  }
});

Deno.test("a Complete still running when the next run starts is waited for, not sent again", async () => {
  const { ws, store, faulty, meta } = await stoppedAtComplete();
  // Now the store lists the upload as gone, and the object appears 300 ms later.
  faulty.failOn("listParts", { error: faultErrors.noSuchUpload(), times: Infinity });
  const ref = { bucket: "bkt", key: "obj", uploadId: meta.uploadId };
  const parts = await store.listParts(ref, signal);
  setTimeout(
    () => store.completeMultipartUpload({ ...ref, parts, checksumAlgorithm: "crc32" }, signal),
    300,
  );
  const job = await makeJob(ws, faulty, { lostCompleteWaitMs: 5_000 });
  const result = await runUpload(job);
  assertEquals(result.partsUploaded, 0);
  assertLogged(job, /looking again in 0\.5 s/);
  assertLogged(job, /already completed by an earlier run/);
  await assertStored(store, ws.bytes);
  await ws.cleanup();
});

Deno.test("a Complete that never shows: the advice is to run again later, not --restart at once", async () => {
  const { ws, store, meta } = await stoppedAtComplete();
  store.expireUpload("bkt", meta.uploadId);
  const error = await assertRejects(
    async () => runUpload(await makeJob(ws, store, { lostCompleteWaitMs: 200 })),
    NeedsDecisionError,
  );
  assertMatch(error.message, /may still be finishing that Complete: run the same command again/);
  assertOk(await exists(ws.metaPath), "state kept");
  await ws.cleanup();
});
