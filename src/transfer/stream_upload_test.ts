import { FaultBackend } from "../../backends/memory/fault_backend.ts";
import { MemoryBackend } from "../../backends/memory/memory_backend.ts";
import {
  assertEquals,
  assertMatch,
  assertOk,
  assertRejects,
} from "../../backends/testing/assert.ts";
import { NeedsDecisionError, S3mpuError, UsageError } from "../errors.ts";
import { streamSource } from "../plan/stream_source.ts";
import { readJournal } from "../state/parts_journal.ts";
import { readMeta } from "../state/meta_file.ts";
import {
  assertStored,
  exists,
  type FlatJob,
  makeJob,
  makeWorkspace,
  MiB,
  sha256,
} from "../testing/engine_fixture.ts";
import { randomBytes } from "../testing/files.ts";
import { runStreamUpload } from "./stream_upload.ts";

/** A stream of `bytes`, read in pieces of at most 100 KiB (as a pipe gives them). */
function streamOf(bytes: Uint8Array) {
  let at = 0;
  return streamSource({
    read: (p) => {
      if (at >= bytes.length) return Promise.resolve(null);
      const n = Math.min(p.length, 100 * 1024, bytes.length - at);
      p.set(bytes.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
  }, "-");
}

async function streamJob(
  ws: { filePath: string; metaPath: string; partsPath: string },
  backend: MemoryBackend | FaultBackend,
  bytes: Uint8Array,
  overrides: Partial<FlatJob> = {},
) {
  return await makeJob(ws, backend, { source: streamOf(bytes), threads: 2, ...overrides });
}

/** A 25 MiB stream whose upload crashed at its third part (two parts journaled). */
async function interrupted(overrides: Partial<FlatJob> = { threads: 1 }) {
  const ws = await makeWorkspace(1);
  const bytes = randomBytes(25 * MiB);
  const store = memoryStore();
  const faulty = new FaultBackend(store);
  faulty.crashAfter("uploadPart", 3);
  await assertRejects(
    () => streamJob(ws, faulty, bytes, overrides).then(runStreamUpload),
    S3mpuError,
  );
  return { ws, bytes, store };
}

function memoryStore(limits = {}): MemoryBackend {
  const store = new MemoryBackend({ limits });
  store.createBucket("bkt");
  return store;
}

Deno.test("a stream is stored whole, with the size, CRC32 and SHA-256 of the bytes read", async () => {
  const ws = await makeWorkspace(1);
  const bytes = randomBytes(12 * MiB + 7);
  const store = memoryStore();
  const result = await runStreamUpload(await streamJob(ws, store, bytes));
  await assertStored(store, bytes);
  assertEquals([result.parts, result.size, result.partsUploaded], [3, bytes.length, 3]);
  assertEquals(result.read?.sha256, await sha256(bytes));
  assertEquals(result.read?.size, bytes.length);
  assertMatch(result.read?.crc32 ?? "", /^[0-9a-f]{8}$/);
  assertEquals([await exists(ws.metaPath), await exists(ws.partsPath)], [false, false]);
  await ws.cleanup();
});

Deno.test("an empty stream is an empty object, put whole with no upload and no state", async () => {
  const ws = await makeWorkspace(1);
  const store = memoryStore();
  const result = await runStreamUpload(await streamJob(ws, store, new Uint8Array(0)));
  await assertStored(store, new Uint8Array(0));
  assertEquals([result.size, result.parts, result.uploadId], [0, 0, null]);
  assertEquals(result.read?.size, 0);
  assertEquals(
    await store.listMultipartUploads({ bucket: "bkt" }, new AbortController().signal),
    [],
  );
  assertEquals(await exists(ws.metaPath), false);
  await ws.cleanup();
});

Deno.test("a resumed stream checks the journaled parts and sends only the rest", async () => {
  const { ws, bytes, store } = await interrupted();
  const meta = (await readMeta(ws.metaPath))!;
  assertEquals(meta.source?.kind, "stream");
  const journaled = (await readJournal(ws.partsPath, meta.uploadId)).parts;
  assertEquals(journaled.size, 2, "the crashed part's answer was lost before journaling");
  const watched = new FaultBackend(store);
  const result = await runStreamUpload(await streamJob(ws, watched, bytes));
  await assertStored(store, bytes);
  const sent = watched.callsTo("uploadPart").map((c) => c.partNumber).sort();
  assertEquals(sent, [3, 4, 5], "no journaled part is sent again");
  assertEquals([result.parts, result.partsUploaded], [5, 3]);
  await ws.cleanup();
});

Deno.test("a different stream on resume is exit 4 naming the part; nothing is sent or completed", async () => {
  const { ws, bytes, store } = await interrupted();
  const other = bytes.slice();
  other[6 * MiB] ^= 1; // part 2
  const watched = new FaultBackend(store);
  const error = await assertRejects(
    async () => await runStreamUpload(await streamJob(ws, watched, other)),
    NeedsDecisionError,
  );
  assertMatch(error.message, /Part 2 of the stream .* not the one that was interrupted/);
  assertEquals(watched.callsTo("uploadPart").length, 0, "nothing sent");
  assertEquals(watched.callsTo("completeMultipartUpload").length, 0, "nothing completed");
  assertEquals(store.getObject("bkt", "obj"), undefined);
  assertOk(await exists(ws.metaPath), "state kept");
  await ws.cleanup();
});

Deno.test("a resumed stream that ends inside the journaled parts is exit 4; nothing completed", async () => {
  const ws = await makeWorkspace(1);
  const bytes = randomBytes(25 * MiB);
  const store = memoryStore();
  const faulty = new FaultBackend(store);
  faulty.crashAfter("uploadPart", 4);
  await assertRejects(
    () => streamJob(ws, faulty, bytes, { threads: 1 }).then(runStreamUpload),
    S3mpuError,
  );
  for (const cut of [7 * MiB, 10 * MiB]) {
    const watched = new FaultBackend(store);
    const error = await assertRejects(
      async () => await runStreamUpload(await streamJob(ws, watched, bytes.subarray(0, cut))),
      NeedsDecisionError,
    );
    assertMatch(error.message, new RegExp(`stream ended after ${cut} bytes`));
    assertEquals(watched.callsTo("completeMultipartUpload").length, 0, "nothing completed");
  }
  assertEquals(store.getObject("bkt", "obj"), undefined);
  await ws.cleanup();
});

Deno.test("a stream larger than the parts can hold is exit 2; nothing completed", async () => {
  const ws = await makeWorkspace(1);
  const store = memoryStore({ maxParts: 3, equalPartSizes: true });
  const error = await assertRejects(
    async () => await runStreamUpload(await streamJob(ws, store, randomBytes(15 * MiB + 1))),
    UsageError,
  );
  assertMatch(error.message, /larger than this upload's 3 parts can hold/);
  assertEquals(store.getObject("bkt", "obj"), undefined);
  await ws.cleanup();
});

Deno.test("a stream past --expected-size grows its parts after the expected ones", async () => {
  const ws = await makeWorkspace(1);
  const bytes = randomBytes(30 * MiB);
  const store = memoryStore({ maxParts: 12 });
  const result = await runStreamUpload(
    await streamJob(ws, store, bytes, { expectedSize: 10 * MiB }),
  );
  await assertStored(store, bytes);
  // Two 5 MiB parts hold the expected 10 MiB; after them parts double (12 parts: every 1).
  assertEquals(result.parts, 4);
  await ws.cleanup();
});

Deno.test("a completed upload whose state survived is proved from the same stream", async () => {
  const ws = await makeWorkspace(1);
  const bytes = randomBytes(11 * MiB);
  const store = memoryStore();
  const faulty = new FaultBackend(store);
  faulty.crashAfter("completeMultipartUpload", 1);
  await assertRejects(() => streamJob(ws, faulty, bytes).then(runStreamUpload), S3mpuError);
  const result = await runStreamUpload(await streamJob(ws, store, bytes));
  await assertStored(store, bytes);
  assertEquals(result.partsUploaded, 0);
  await ws.cleanup();
});

Deno.test("a journal whose part CRC32s do not add up to the CRC32 of the stream read is never completed", async () => {
  const sha = { checksumAlgorithm: "sha256" as const, threads: 1 };
  const { ws, bytes, store } = await interrupted(sha);
  // Part 1's SHA-256 (what a resume checks the stream against) stays right; its CRC32 (what
  // the object's CRC32 is combined from) is made wrong.
  const lines = (await Deno.readTextFile(ws.partsPath)).trimEnd().split("\n").map((l) => {
    const entry = JSON.parse(l);
    if (entry.partNumber === 1) {
      assertOk(entry.crc32, "a CRC32 is journaled beside the SHA-256");
      entry.crc32 = "AAAAAA==";
    }
    return JSON.stringify(entry);
  });
  await Deno.writeTextFile(ws.partsPath, lines.join("\n") + "\n");
  const watched = new FaultBackend(store);
  const error = await assertRejects(
    async () => await runStreamUpload(await streamJob(ws, watched, bytes, sha)),
    NeedsDecisionError,
  );
  assertMatch(error.message, /do not add up to the stream read/);
  assertEquals(watched.callsTo("completeMultipartUpload").length, 0, "nothing completed");
  assertEquals(await exists(ws.metaPath), true, "state kept");
  await ws.cleanup();
});
