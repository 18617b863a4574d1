import { BackendError, type BackendErrorKind } from "../errors.ts";
import { assertEquals, assertOk, assertRejects } from "../testing/assert.ts";
import type { ChecksumAlgorithm, UploadedPart } from "../types.ts";
import { computeChecksum, md5Hex, multipartETag } from "../checksum.ts";
import { MemoryBackend, type MemoryBackendOptions } from "./memory_backend.ts";

const signal = new AbortController().signal;
const bytes = (text: string) => new TextEncoder().encode(text);

function setup(options: MemoryBackendOptions = {}) {
  const backend = new MemoryBackend({ ...options, limits: { minPartSize: 4, ...options.limits } });
  backend.createBucket("b");
  const create = async (key = "k", checksumAlgorithm: ChecksumAlgorithm = "none") => {
    const uploadId = await backend.createMultipartUpload(
      { bucket: "b", key, checksumAlgorithm },
      signal,
    );
    return { bucket: "b", key, uploadId };
  };
  const put = (
    ref: { bucket: string; key: string; uploadId: string },
    partNumber: number,
    body: Uint8Array,
    algorithm: ChecksumAlgorithm = "none",
    value = computeChecksum(algorithm, body),
  ) => backend.uploadPart({ ...ref, partNumber, body, checksum: { algorithm, value } }, signal);
  return { backend, create, put };
}

async function expectError(
  promise: Promise<unknown>,
  kind: BackendErrorKind,
  code?: string,
): Promise<BackendError> {
  const error = await assertRejects(() => promise, BackendError);
  const e = error as BackendError;
  assertEquals(e.kind, kind, e.message);
  if (code) assertEquals(e.details.code, code, e.message);
  return e;
}

Deno.test("unknown buckets are no_such_bucket for every call", async () => {
  const { backend } = setup();
  const ref = { bucket: "nope", key: "k", uploadId: "u" };
  const none = { algorithm: "none" as const, value: "" };
  await expectError(
    backend.createMultipartUpload({ ...ref, checksumAlgorithm: "none" }, signal),
    "no_such_bucket",
    "NoSuchBucket",
  );
  await expectError(
    backend.uploadPart({ ...ref, partNumber: 1, body: bytes("x"), checksum: none }, signal),
    "no_such_bucket",
  );
  await expectError(backend.listParts(ref, signal), "no_such_bucket");
  await expectError(
    backend.completeMultipartUpload({ ...ref, parts: [], checksumAlgorithm: "none" }, signal),
    "no_such_bucket",
  );
  await expectError(backend.abortMultipartUpload(ref, signal), "no_such_bucket");
  await expectError(backend.listMultipartUploads({ bucket: "nope" }, signal), "no_such_bucket");
  await expectError(backend.headObject(ref, signal), "no_such_bucket");
});

Deno.test("unknown upload ids, or a known id under another key, are no_such_upload", async () => {
  const { backend, create, put } = setup();
  const real = await create("k");
  for (const ref of [{ ...real, uploadId: "missing" }, { ...real, key: "other" }]) {
    await expectError(put(ref, 1, bytes("x")), "no_such_upload", "NoSuchUpload");
    await expectError(backend.listParts(ref, signal), "no_such_upload");
    await expectError(
      backend.completeMultipartUpload(
        { ...ref, parts: [{ partNumber: 1, eTag: "x" }], checksumAlgorithm: "none" },
        signal,
      ),
      "no_such_upload",
    );
    await expectError(backend.abortMultipartUpload(ref, signal), "no_such_upload");
  }
});

Deno.test("uploadPart stores a copy of the caller's buffer", async () => {
  const { backend, create, put } = setup();
  const ref = await create();
  const buffer = bytes("abcd");
  const part = await put(ref, 1, buffer);
  buffer.fill(0);
  assertEquals(part, { partNumber: 1, eTag: md5Hex(bytes("abcd")), size: 4, checksum: undefined });
  await backend.completeMultipartUpload(
    { ...ref, parts: [part], checksumAlgorithm: "none" },
    signal,
  );
  assertEquals(backend.getObject("b", "k"), bytes("abcd"));
});

Deno.test("part numbers outside 1..maxParts and oversized parts are invalid_request", async () => {
  const { create, put } = setup({ limits: { maxParts: 5, maxPartSize: 8 } });
  const ref = await create();
  for (const n of [0, 6, 1.5, -1]) {
    await expectError(put(ref, n, bytes("x")), "invalid_request", "InvalidArgument");
  }
  assertEquals((await put(ref, 5, bytes("x"))).partNumber, 5);
  await expectError(put(ref, 1, new Uint8Array(9)), "invalid_request", "EntityTooLarge");
});

Deno.test("checksums are verified and flexible ones are recorded", async () => {
  const { backend, create, put } = setup();
  const ref = await create();
  const body = bytes("part body");
  const algorithms: ChecksumAlgorithm[] = ["md5", "crc32", "crc32c", "sha256"];
  for (const [i, algorithm] of algorithms.entries()) {
    const part = await put(ref, i + 1, body, algorithm);
    assertEquals(part.checksum, algorithm === "md5" ? undefined : computeChecksum(algorithm, body));
    await expectError(
      put(ref, 10, body, algorithm, computeChecksum(algorithm, bytes("other"))),
      "retryable",
      "BadDigest",
    );
  }
  await expectError(put(ref, 10, body, "crc32", ""), "invalid_request", "InvalidRequest");
  const listed = await backend.listParts(ref, signal);
  assertEquals(listed.map((p) => p.checksum), [
    undefined,
    computeChecksum("crc32", body),
    computeChecksum("crc32c", body),
    computeChecksum("sha256", body),
  ]);
  assertEquals(listed.map((p) => p.partNumber), [1, 2, 3, 4]);
});

Deno.test("an upload created with a checksum algorithm needs it on every part and at complete", async () => {
  const { backend, create, put } = setup();
  const ref = await create("k", "crc32c");
  await expectError(put(ref, 1, bytes("abcd")), "invalid_request", "InvalidRequest");
  await expectError(put(ref, 1, bytes("abcd"), "crc32"), "invalid_request", "InvalidRequest");
  await expectError(put(ref, 1, bytes("abcd"), "md5"), "invalid_request", "InvalidRequest");
  const one = await put(ref, 1, bytes("abcd"), "crc32c");
  const two = await put(ref, 2, bytes("ef"), "crc32c");
  const complete = (parts: UploadedPart[]) =>
    backend.completeMultipartUpload({ ...ref, parts, checksumAlgorithm: "crc32c" }, signal);
  await expectError(
    complete([one, { ...two, checksum: undefined }]),
    "invalid_request",
    "InvalidRequest",
  );
  await expectError(complete([one, { ...two, checksum: one.checksum }]), "invalid_request");
  await complete([one, two]);
  assertEquals(backend.getObject("b", "k"), bytes("abcdef"));
});

Deno.test("rejectChecksumHeaders refuses flexible checksums but takes MD5 and none", async () => {
  const { create, put } = setup({ rejectChecksumHeaders: true });
  const ref = await create();
  for (const algorithm of ["crc32", "crc32c", "sha256"] as const) {
    await expectError(put(ref, 1, bytes("abcd"), algorithm), "invalid_request", "InvalidArgument");
  }
  await put(ref, 1, bytes("abcd"), "md5");
  await put(ref, 2, bytes("abcd"));
});

Deno.test("completion checks order, existence, ETags and sizes like S3", async () => {
  const { backend, create, put } = setup();
  const ref = await create();
  const one = await put(ref, 1, bytes("1111"));
  const two = await put(ref, 2, bytes("22"));
  const three = await put(ref, 3, bytes("333"));
  const complete = (parts: UploadedPart[]) =>
    backend.completeMultipartUpload({ ...ref, parts, checksumAlgorithm: "none" }, signal);
  await expectError(complete([]), "invalid_request", "MalformedXML");
  await expectError(complete([two, one]), "invalid_request", "InvalidPartOrder");
  await expectError(complete([one, one]), "invalid_request", "InvalidPartOrder");
  await expectError(
    complete([one, { ...two, eTag: md5Hex(bytes("x")) }]),
    "invalid_request",
    "InvalidPart",
  );
  await expectError(
    complete([one, { partNumber: 4, eTag: two.eTag }]),
    "invalid_request",
    "InvalidPart",
  );
  await expectError(complete([one, two, three]), "invalid_request", "EntityTooSmall");
  assertEquals(backend.openUploads("b").length, 1, "failed completes keep the upload");

  // Part 2 is left out: S3 drops unlisted parts. Quoted ETags are accepted.
  const done = await complete([{ ...one, eTag: `"${one.eTag}"` }, three]);
  assertEquals(done.eTag, multipartETag([md5Hex(bytes("1111")), md5Hex(bytes("333"))]));
  assertOk(done.eTag.endsWith("-2"));
  assertEquals(backend.getObject("b", "k"), bytes("1111333"));
  assertEquals(await backend.headObject(ref, signal), {
    size: 7,
    eTag: done.eTag,
    lastModified: (await backend.headObject(ref, signal)).lastModified,
  });
  assertEquals(backend.openUploads("b"), []);
  await expectError(complete([one, three]), "no_such_upload");
});

Deno.test("equalPartSizes rejects unequal non-trailing parts and a larger last part", async () => {
  const { backend, create, put } = setup({ limits: { equalPartSizes: true } });
  const attempt = async (sizes: number[]) => {
    const ref = await create(`k${sizes.join("-")}`);
    const parts = [];
    for (const [i, size] of sizes.entries()) {
      parts.push(await put(ref, i + 1, new Uint8Array(size)));
    }
    return backend.completeMultipartUpload({ ...ref, parts, checksumAlgorithm: "none" }, signal);
  };
  await expectError(attempt([6, 5, 1]), "invalid_request", "InvalidPart");
  await expectError(attempt([5, 5, 6]), "invalid_request", "InvalidPart");
  await attempt([5, 5, 3]);
  await attempt([5, 5, 5]);
  await attempt([9]);
});

Deno.test("re-uploading a part number replaces the earlier copy", async () => {
  const { backend, create, put } = setup();
  const ref = await create();
  await put(ref, 1, bytes("old!"));
  const before = Date.now();
  const fresh = await put(ref, 1, bytes("new!!"));
  const [listed, ...more] = await backend.listParts(ref, signal);
  const { lastModified, ...part } = listed;
  assertEquals([part, more], [{ partNumber: 1, eTag: fresh.eTag, size: 5 }, []]);
  // ListParts' LastModified is when the part was stored: the new copy's time.
  assertOk(lastModified !== undefined && lastModified.getTime() >= before);
});

Deno.test("non-MD5 ETags look like MD5 but are not", async () => {
  const { backend, create, put } = setup({ etagIsMd5: false });
  const ref = await create();
  const part = await put(ref, 1, bytes("abcd"));
  assertOk(/^[0-9a-f]{32}$/.test(part.eTag));
  assertOk(part.eTag !== md5Hex(bytes("abcd")));
  const done = await backend.completeMultipartUpload(
    { ...ref, parts: [part], checksumAlgorithm: "none" },
    signal,
  );
  assertOk(done.eTag.endsWith("-1"));
  assertOk(done.eTag !== multipartETag([md5Hex(bytes("abcd"))]));
});

Deno.test("listParts pages at 1,000 and stats count calls and bytes", async () => {
  const { backend, create, put } = setup();
  const ref = await create();
  for (let n = 2_001; n >= 1; n--) await put(ref, n, bytes("xy"));
  backend.resetStats();
  const parts = await backend.listParts(ref, signal);
  assertEquals(parts.length, 2_001);
  assertOk(parts.every((p, i) => p.partNumber === i + 1));
  assertEquals(backend.stats.listPartsPages, 3);
  assertEquals(backend.stats.calls.listParts, 1);

  const page = await backend.listPartsPage(
    { ...ref, partNumberMarker: 1_990, maxParts: 5 },
    signal,
  );
  assertEquals(page.parts.map((p) => p.partNumber), [1_991, 1_992, 1_993, 1_994, 1_995]);
  assertEquals([page.isTruncated, page.nextPartNumberMarker], [true, 1_995]);
  const tail = await backend.listPartsPage({ ...ref, partNumberMarker: 1_995 }, signal);
  assertEquals([tail.parts.length, tail.isTruncated, tail.nextPartNumberMarker], [
    6,
    false,
    undefined,
  ]);

  backend.resetStats();
  await put(ref, 1, bytes("hello"));
  await expectError(put({ ...ref, uploadId: "gone" }, 1, bytes("abc")), "no_such_upload");
  assertEquals(backend.stats.calls.uploadPart, 2);
  assertEquals(backend.stats.bytesReceived, 5);
});

Deno.test("listMultipartUploads filters by prefix, sorts and pages", async () => {
  const { backend, create } = setup();
  const ids: string[] = [];
  for (let i = 0; i < 1_205; i++) {
    ids.push((await create(`dir/${String(i).padStart(5, "0")}`)).uploadId);
  }
  const second = await create("dir/00003");
  await create("other/x");
  backend.resetStats();
  const listed = await backend.listMultipartUploads({ bucket: "b", prefix: "dir/" }, signal);
  assertEquals(listed.length, 1_206);
  assertEquals(backend.stats.listUploadsPages, 2);
  assertEquals(listed.slice(3, 5).map((u) => u.uploadId), [ids[3], second.uploadId]);
  assertOk(listed.every((u) => u.initiated instanceof Date));
  assertEquals((await backend.listMultipartUploads({ bucket: "b" }, signal)).length, 1_207);
  assertEquals(
    (await backend.listMultipartUploads({ bucket: "b", prefix: "other/" }, signal)).map((u) =>
      u.key
    ),
    ["other/x"],
  );
});

Deno.test("openUploads reports held parts and expireUpload purges like MinIO", async () => {
  const { backend, create, put } = setup();
  const ref = await create("k", "sha256");
  await put(ref, 3, bytes("c"), "sha256");
  await put(ref, 1, bytes("a"), "sha256");
  assertEquals(backend.openUploads("b"), [
    { key: "k", uploadId: ref.uploadId, checksumAlgorithm: "sha256", partNumbers: [1, 3] },
  ]);
  assertEquals(backend.expireUpload("b", ref.uploadId), true);
  assertEquals(backend.expireUpload("b", ref.uploadId), false);
  await expectError(backend.listParts(ref, signal), "no_such_upload");
});

Deno.test("storeObject and headObject", async () => {
  const { backend } = setup();
  await expectError(backend.headObject({ bucket: "b", key: "x" }, signal), "not_found", "NotFound");
  backend.storeObject("b", "x", bytes("hello"));
  const head = await backend.headObject({ bucket: "b", key: "x" }, signal);
  assertEquals([head.size, head.eTag], [5, md5Hex(bytes("hello"))]);
  assertEquals(backend.getObject("b", "missing"), undefined);
  assertEquals(backend.getObject("nope", "x"), undefined);
});

Deno.test("an abort during latency rejects with kind aborted and stores nothing", async () => {
  const { backend, create } = setup({ latencyMs: 50 });
  const ref = await create();
  const controller = new AbortController();
  const pending = backend.uploadPart(
    { ...ref, partNumber: 1, body: bytes("abcd"), checksum: { algorithm: "none", value: "" } },
    controller.signal,
  );
  setTimeout(() => controller.abort(new Error("killed")), 5);
  const error = await expectError(pending, "aborted");
  assertEquals((error.cause as Error).message, "killed");
  assertEquals(await backend.listParts(ref, signal), []);
  assertEquals(backend.stats.bytesReceived, 0);
});

Deno.test("the default limits are S3's", () => {
  const backend = new MemoryBackend();
  assertEquals(backend.limits.minPartSize, 5 * 1024 * 1024);
  assertEquals(backend.limits.maxParts, 10_000);
  assertEquals(backend.name, "memory");
  const r2 = new MemoryBackend({ limits: { equalPartSizes: true }, name: "r2-like" });
  assertEquals([r2.limits.equalPartSizes, r2.limits.minPartSize, r2.name], [
    true,
    5 * 1024 * 1024,
    "r2-like",
  ]);
});
