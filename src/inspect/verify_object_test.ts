/**
 * verify says "same" only when a content value proves it, and "different" only on a proof:
 * one flipped byte anywhere is caught by every kind of stored value, and where nothing can
 * decide the answer is "undecided" (the CLI exits 5 and offers --download).
 */
import { assertEquals, assertMatch, assertRejects } from "../../backends/testing/assert.ts";
import { makeJob, makeWorkspace, MiB } from "../testing/engine_fixture.ts";
import { MemoryBackend } from "../../backends/memory/memory_backend.ts";
import { type Backend, S3_LIMITS } from "../../backends/types.ts";
import type { ChecksumAlgorithm, ChecksumType } from "../../backends/types.ts";
import { runUpload } from "../transfer/object_upload.ts";
import { openChunkDirSource, openFileSource } from "../plan/part_source.ts";
import { SourceChangedError } from "../plan/source_identity.ts";
import { candidatePartSizes, verifyByDownload, verifyObject } from "./verify_object.ts";

const SIZE = 11 * MiB + 4321;
const signal = new AbortController().signal;

async function uploaded(
  opts: { algorithm: ChecksumAlgorithm; type?: ChecksumType; etagIsMd5?: boolean },
) {
  const ws = await makeWorkspace(SIZE);
  const store = new MemoryBackend({ etagIsMd5: opts.etagIsMd5 ?? true });
  store.createBucket("bkt");
  await runUpload(
    await makeJob(ws, store, {
      checksumAlgorithm: opts.algorithm,
      ...(opts.type ? { checksumType: opts.type } : {}),
      etagIsMd5: opts.etagIsMd5 ?? true,
    }),
  );
  const flipped = `${ws.dir}/flipped.bin`;
  for (const at of [0, 5 * MiB - 1, SIZE - 1]) {
    const bytes = ws.bytes.slice();
    bytes[at] ^= 0x10;
    await Deno.writeFile(`${flipped}.${at}`, bytes);
  }
  return { ws, store, flippedAt: (at: number) => `${flipped}.${at}` };
}

async function request(backend: Backend, file: string, etagIsMd5: boolean) {
  return {
    backend,
    ref: { bucket: "bkt", key: "obj" },
    // Its files never change during a test: no wait for their change time.
    source: await openFileSource(file, { settle: false }),
    file,
    limits: S3_LIMITS,
    etagIsMd5,
    signal,
  };
}

const CASES: Array<{
  name: string;
  algorithm: ChecksumAlgorithm;
  type?: ChecksumType;
  etagIsMd5: boolean;
  method: string;
}> = [
  {
    name: "FULL_OBJECT CRC32",
    algorithm: "crc32",
    type: "FULL_OBJECT",
    etagIsMd5: true,
    method: "full-object-checksum",
  },
  {
    name: "FULL_OBJECT CRC32C",
    algorithm: "crc32c",
    type: "FULL_OBJECT",
    etagIsMd5: false,
    method: "full-object-checksum",
  },
  { name: "COMPOSITE CRC32", algorithm: "crc32", etagIsMd5: false, method: "composite-checksum" },
  {
    name: "COMPOSITE SHA-256",
    algorithm: "sha256",
    etagIsMd5: false,
    method: "composite-checksum",
  },
  { name: "MD5 ETags", algorithm: "md5", etagIsMd5: true, method: "multipart-etag" },
];

for (const c of CASES) {
  Deno.test(`verify (${c.name}): same file proved, a flipped byte anywhere proved different`, async () => {
    const { ws, store, flippedAt } = await uploaded(c);
    const same = await verifyObject(await request(store, ws.filePath, c.etagIsMd5));
    assertEquals([same.result, same.method], ["same", c.method], same.message);
    for (const at of [0, 5 * MiB - 1, SIZE - 1]) {
      const other = await verifyObject(await request(store, flippedAt(at), c.etagIsMd5));
      assertEquals(other.result, "different", `byte ${at}: ${other.message}`);
    }
    await ws.cleanup();
  });
}

Deno.test("verify on a store whose ETags are not MD5s and keep no checksum: undecided, never same", async () => {
  const { ws, store, flippedAt } = await uploaded({ algorithm: "md5", etagIsMd5: false });
  const flipped = await verifyObject(await request(store, flippedAt(5 * MiB - 1), false));
  assertEquals(flipped.result, "undecided", flipped.message);
  assertMatch(flipped.message, /--download/);
  const same = await verifyObject(await request(store, ws.filePath, false));
  assertEquals(same.result, "undecided", "no stored value can prove it either");
  const downloaded = await verifyByDownload(await request(store, flippedAt(0), false));
  assertEquals([downloaded.result, downloaded.method], ["different", "sha256-download"]);
  const exact = await verifyByDownload(await request(store, ws.filePath, false));
  assertEquals(exact.result, "same", exact.message);
  await ws.cleanup();
});

Deno.test("verify on the generic preset (ETags not promised as MD5): undecided, even on a match", async () => {
  // Where the preset does not promise MD5 ETags, an ETag may echo the Content-MD5 the uploader
  // sent: a computed ETag equal to it says nothing about the stored bytes.
  const { ws, store, flippedAt } = await uploaded({ algorithm: "md5", etagIsMd5: true });
  const same = await verifyObject(await request(store, ws.filePath, false));
  assertEquals(same.result, "undecided", same.message);
  assertMatch(same.message, /not promised to be an MD5 by the preset.*--download/);
  const other = await verifyObject(await request(store, flippedAt(0), false));
  assertEquals(other.result, "undecided", "a differing ETag proves nothing there");
  await ws.cleanup();
});

Deno.test("verify: a missing object and a different size are proved different", async () => {
  const { ws, store } = await uploaded({ algorithm: "crc32", type: "FULL_OBJECT" });
  const missing = await verifyObject({
    ...await request(store, ws.filePath, true),
    ref: { bucket: "bkt", key: "nope" },
  });
  assertEquals([missing.result, missing.method], ["different", "exists"]);
  const short = `${ws.dir}/short.bin`;
  await Deno.writeFile(short, ws.bytes.subarray(0, SIZE - 1));
  const shorter = await verifyObject(await request(store, short, true));
  assertEquals([shorter.result, shorter.method], ["different", "size"]);
  await ws.cleanup();
});

Deno.test("candidatePartSizes: the requested size, the planner's, size/N rounded and exact", () => {
  assertEquals(candidatePartSizes(100 * MiB, 7, S3_LIMITS, 16 * MiB), [16 * MiB]);
  const guesses = candidatePartSizes(100 * MiB, 7, S3_LIMITS);
  assertEquals(guesses.every((ps) => Math.ceil(100 * MiB / ps) === 7), true);
  assertEquals(guesses.includes(15 * MiB), true);
  assertEquals(candidatePartSizes(10, 1, S3_LIMITS), [10]);
});

/** `store` as a store that does not say an object's part sizes (no GetObjectAttributes). */
function withoutPartSizes(store: Backend): Backend {
  return new Proxy(store, {
    get: (target, name) => {
      if (name === "objectPartSizes") return undefined;
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("verify of a chunk directory: its chunk sizes are the part layout tried first", async () => {
  const ws = await makeWorkspace(10);
  const dir = `${ws.dir}/chunks`;
  await Deno.mkdir(dir);
  // 6 MiB chunks: a size no guess from the part count would try.
  const chunks = [6 * MiB, 6 * MiB, 1234].map((size, i) => new Uint8Array(size).fill(i + 1));
  for (const [i, bytes] of chunks.entries()) await Deno.writeFile(`${dir}/c_${i + 1}`, bytes);
  const store = new MemoryBackend({ etagIsMd5: false });
  store.createBucket("bkt");
  const source = () => openChunkDirSource(dir, "c_", { settle: false });
  await runUpload(
    await makeJob(ws, store, {
      source: await source(),
      requestedPartSize: undefined,
      checksumAlgorithm: "crc32",
      etagIsMd5: false,
    }),
  );
  const request = async () => ({
    backend: withoutPartSizes(store),
    ref: { bucket: "bkt", key: "obj" },
    source: await source(),
    file: `${dir}/c_*`,
    limits: S3_LIMITS,
    etagIsMd5: false,
    signal,
  });
  const same = await verifyObject(await request());
  assertEquals([same.result, same.method, same.partSize], ["same", "composite-checksum", 6 * MiB]);
  await Deno.writeFile(`${dir}/c_2`, chunks[1].map((b, i) => (i === 77 ? b ^ 1 : b)));
  const flipped = await verifyObject(await request());
  assertEquals(flipped.result, "undecided", "guessed part sizes prove no difference");
  const read = await verifyByDownload(await request());
  assertEquals([read.result, read.method], ["different", "sha256-download"]);
  await ws.cleanup();
});

Deno.test("verify reads through the proved handle: a file swapped after it was opened is refused", async () => {
  const { ws, store } = await uploaded({ algorithm: "crc32", type: "FULL_OBJECT" });
  const req = await request(store, ws.filePath, true);
  await Deno.writeFile(`${ws.dir}/other`, ws.bytes);
  await Deno.rename(`${ws.dir}/other`, ws.filePath); // the same bytes, another file
  await assertRejects(() => verifyObject(req), SourceChangedError, /now another file/);
  await ws.cleanup();
});
