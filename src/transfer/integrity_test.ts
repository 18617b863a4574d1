/**
 * Exit 0 means the exact bytes are stored: each way a run could end "done" with an object
 * that is not the file, reproduced on the memory backend (the CLI tests repeat them on MinIO
 * and moto through the fault proxy).
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
  makeFaultyWorkspace,
  makeJob,
  makeStore,
  makeWorkspace,
  MiB,
  sha256,
} from "../testing/engine_fixture.ts";
import { appendZeros, overwriteAt } from "../testing/files.ts";
import { FaultBackend, faultErrors } from "../../backends/memory/fault_backend.ts";
import type { Backend } from "../../backends/types.ts";
import { runUpload } from "./object_upload.ts";
import { NeedsDecisionError, ResumableError, S3mpuError } from "../errors.ts";
import { readMeta } from "../state/meta_file.ts";
import { openChunkDirSource } from "../plan/part_source.ts";

const SIZE = 13 * MiB + 777; // 3 parts of 5 MiB
const signal = new AbortController().signal;

Deno.test("a FULL_OBJECT upload sends the combined CRC, records it, and the store validates it", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.crashAfter("uploadPart", 1);
  const job = await makeJob(ws, faulty, { checksumType: "FULL_OBJECT", threads: 1 });
  await assertRejects(() => runUpload(job), S3mpuError);
  assertEquals((await readMeta(ws.metaPath))?.checksumType, "FULL_OBJECT");
  await runUpload(await makeJob(ws, store, { checksumType: "FULL_OBJECT" }));
  await assertStored(store, ws.bytes);
  const head = await store.headObject({ bucket: "bkt", key: "obj" }, signal);
  assertEquals(head.checksum?.type, "FULL_OBJECT");
  assertEquals(head.checksum?.algorithm, "crc32");
  await ws.cleanup();
});

Deno.test("a Complete answered with another object's checksum is not success (exit 4, state kept)", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  const lying = intercept(store, {
    complete: async (real) => ({
      ...(await real()),
      checksum: { algorithm: "crc32", value: "AAAAAA==", type: "FULL_OBJECT" },
    }),
  });
  // The store's own HeadObject still shows the true checksum: tamper with the object too.
  const job = await makeJob(ws, lying, { checksumType: "FULL_OBJECT" });
  const result = runUpload(job);
  const error = await assertRejects(() => result, NeedsDecisionError);
  assertMatch(
    error.message,
    /not proved to hold the bytes sent.*full-object CRC32 AAAAAA== differs/,
  );
  assertOk(await exists(ws.metaPath), "state kept");
  await ws.cleanup();
});

Deno.test("a Complete with no ETag in its answer is a failed Complete, not exit 0", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  // The adapter turns an answer without an ETag into a retryable error; here the store
  // keeps failing that way and never completes.
  const failing = intercept(store, {
    complete: () => Promise.reject(faultErrors.retryable()),
  });
  const job = await makeJob(ws, failing);
  await assertRejects(() => runUpload(job), ResumableError);
  assertEquals(store.getObject("bkt", "obj"), undefined, "no object");
  assertOk(await exists(ws.metaPath), "state kept for the next run");
  await runUpload(await makeJob(ws, store));
  await assertStored(store, ws.bytes);
  await ws.cleanup();
});

Deno.test("a failed Complete never settles on an older object of the same size and part count", async () => {
  const ws = await makeWorkspace(SIZE);
  const store = makeStore();
  // Another upload of different bytes, same size and part count, already at the key.
  const other = await makeWorkspace(SIZE);
  await runUpload(
    await makeJob({ ...other, metaPath: `${other.dir}/m`, partsPath: `${other.dir}/p` }, store),
  );
  const before = await sha256(store.getObject("bkt", "obj")!);
  const failing = intercept(store, { complete: () => Promise.reject(faultErrors.retryable()) });
  await assertRejects(async () => runUpload(await makeJob(ws, failing)), ResumableError);
  assertEquals(await sha256(store.getObject("bkt", "obj")!), before, "the other object stands");
  assertEquals(store.openUploads("bkt").length, 1, "this upload is still open for the rerun");
  assertOk(await exists(ws.metaPath), "state kept");
  await runUpload(await makeJob(ws, store));
  await assertStored(store, ws.bytes);
  await ws.cleanup();
  await other.cleanup();
});

Deno.test("an upload gone on resume does not settle on an object with other content (exit 4)", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.failOn("completeMultipartUpload", { error: faultErrors.retryable, times: Infinity });
  await assertRejects(
    async () =>
      runUpload(
        await makeJob(ws, faulty, { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }),
      ),
    ResumableError,
  );
  const meta = (await readMeta(ws.metaPath))!;
  store.expireUpload("bkt", meta.uploadId);
  const flipped = ws.bytes.slice();
  flipped[7 * MiB] ^= 1;
  store.storeObject("bkt", "obj", flipped); // same size, other bytes, newer
  const error = await assertRejects(
    async () => runUpload(await makeJob(ws, store)),
    NeedsDecisionError,
  );
  assertMatch(error.message, /no object proved to be its result/);
  assertOk(await exists(ws.metaPath), "state kept");
  await ws.cleanup();
});

Deno.test("a lost Complete settles on its own object, proved by the combined checksum", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  faulty.failOn("completeMultipartUpload", { beforeCall: false, error: faultErrors.retryable });
  const job = await makeJob(ws, faulty, { checksumType: "FULL_OBJECT" });
  await runUpload(job);
  await assertStored(store, ws.bytes);
  assertLogged(job, /proved by its full-object CRC32/);
  await ws.cleanup();
});

for (
  const [what, change] of [
    [
      "bytes overwritten in a part already sent",
      (path: string) => overwriteAt(path, 10, new Uint8Array([1, 2, 3])),
    ],
    ["bytes appended", (path: string) => appendZeros(path, 10)],
  ] as const
) {
  Deno.test(`the source changing during the run (${what}) stops before Complete with exit 4`, async () => {
    const ws = await makeWorkspace(SIZE);
    const store = makeStore();
    let changed = false;
    const hooked = intercept(store, {
      afterPart: async () => {
        if (changed) return;
        changed = true;
        await new Promise((r) => setTimeout(r, 5)); // let the mtime tick
        await change(ws.filePath);
      },
    });
    const error = await assertRejects(
      async () => runUpload(await makeJob(ws, hooked, { threads: 1 })),
      NeedsDecisionError,
    );
    assertMatch(error.message, /The source changed during the upload/);
    assertEquals(store.getObject("bkt", "obj"), undefined, "nothing completed");
    assertOk(await exists(ws.metaPath), "state kept");
    await ws.cleanup();
  });
}

Deno.test("a chunk added to the directory during the run stops before Complete", async () => {
  const dir = await Deno.makeTempDir();
  for (const n of [1, 2]) await Deno.writeFile(`${dir}/c_${n}`, new Uint8Array(5 * MiB).fill(n));
  const store = makeStore();
  let added = false;
  const hooked = intercept(store, {
    afterPart: async () => {
      if (!added) await Deno.writeFile(`${dir}/c_3`, new Uint8Array(10));
      added = true;
    },
  });
  const ws = { filePath: `${dir}/c_1`, metaPath: `${dir}/m.json`, partsPath: `${dir}/p.jsonl` };
  const job = await makeJob(ws, hooked, {
    source: await openChunkDirSource(dir, "c_"),
    requestedPartSize: undefined,
  });
  const error = await assertRejects(() => runUpload(job), NeedsDecisionError);
  assertMatch(error.message, /chunk c_3 added/);
  assertEquals(store.getObject("bkt", "obj"), undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a chunk renamed between runs needs a decision (exit 4)", async () => {
  const dir = await Deno.makeTempDir();
  for (const n of [1, 2, 3]) {
    await Deno.writeFile(`${dir}/c_${n}`, new Uint8Array(n === 3 ? 7 : 5 * MiB).fill(n));
  }
  const store = makeStore();
  const faulty = new FaultBackend(store);
  faulty.crashAfter("uploadPart", 1);
  const ws = { filePath: `${dir}/c_1`, metaPath: `${dir}/m.json`, partsPath: `${dir}/p.jsonl` };
  const first = await makeJob(ws, faulty, {
    source: await openChunkDirSource(dir, "c_"),
    requestedPartSize: undefined,
    threads: 1,
  });
  await assertRejects(() => runUpload(first), S3mpuError);
  // Swap two equal-sized chunks: same sizes, same count, other order of bytes.
  await Deno.rename(`${dir}/c_1`, `${dir}/tmp`);
  await Deno.rename(`${dir}/c_2`, `${dir}/c_1`);
  await Deno.rename(`${dir}/tmp`, `${dir}/c_2`);
  const second = await makeJob(ws, store, {
    source: await openChunkDirSource(dir, "c_"),
    requestedPartSize: undefined,
  });
  await assertRejects(() => runUpload(second), NeedsDecisionError, /source changed/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("another client's upload of the same key made during our Create is never aborted", async () => {
  const { ws, store, faulty } = await makeFaultyWorkspace(SIZE);
  let theirs = "";
  // Our first Create reaches the server but its answer is lost; meanwhile another client
  // creates an upload of the same key. Neither can be proved ours, so both stay.
  faulty.failOn("createMultipartUpload", { beforeCall: false, error: faultErrors.retryable });
  const job = await makeJob(ws, intercept(store, {}), {});
  job.context.backend = new Proxy(faulty, {
    get(target, name) {
      if (name === "createMultipartUpload") {
        return async (...args: Parameters<Backend["createMultipartUpload"]>) => {
          if (!theirs) {
            theirs = await store.createMultipartUpload({ ...args[0] }, signal);
          }
          return await target.createMultipartUpload(...args);
        };
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  await runUpload(job);
  await assertStored(store, ws.bytes).catch(() => {}); // uploads remain open by design
  assertEquals(await sha256(store.getObject("bkt", "obj")!), await sha256(ws.bytes));
  const open = store.openUploads("bkt").map((u) => u.uploadId);
  assertOk(open.includes(theirs), "the other client's upload is still open");
  assertLogged(job, /may be orphans .* left alone/);
  await ws.cleanup();
});
