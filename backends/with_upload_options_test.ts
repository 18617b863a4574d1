import { BackendError } from "./errors.ts";
import { assertEquals, assertRejects } from "./testing/assert.ts";
import type { SseCustomerKey } from "./object_options.ts";
import { MemoryBackend } from "./memory/memory_backend.ts";
import { withUploadOptions } from "./with_upload_options.ts";
import { collectSlices } from "./part_body.ts";

const signal = new AbortController().signal;
const KEY: SseCustomerKey = { algorithm: "AES256", key: new Uint8Array(32), keyMd5: "md5-a" };
const none = { algorithm: "none" as const, value: "" };

function memory() {
  const backend = new MemoryBackend({ limits: { minPartSize: 4 } });
  backend.createBucket("b");
  return backend;
}

Deno.test("no options: the backend itself, unwrapped", () => {
  const backend = memory();
  assertEquals(withUploadOptions(backend, {}) === backend, true);
});

Deno.test("object options reach create; request options reach every part and Complete", async () => {
  const inner = memory();
  const wrapped = withUploadOptions(inner, {
    objectOptions: { contentType: "text/csv", metadata: { a: "1" } },
    requestOptions: { sseCustomer: KEY },
  });
  const ref = { bucket: "b", key: "k" };
  const uploadId = await wrapped.createMultipartUpload(
    { ...ref, checksumAlgorithm: "none" },
    signal,
  );
  const part = await wrapped.uploadPart(
    { ...ref, uploadId, partNumber: 1, body: new Uint8Array([1, 2, 3]), checksum: none },
    signal,
  );
  // The memory backend refuses a part without the create's SSE-C key, as S3 does.
  await assertRejects(
    () =>
      inner.uploadPart(
        { ...ref, uploadId, partNumber: 2, body: new Uint8Array([4]), checksum: none },
        signal,
      ),
    BackendError,
    /customer-provided key/,
  );
  await wrapped.completeMultipartUpload(
    { ...ref, uploadId, parts: [part], checksumAlgorithm: "none" },
    signal,
  );
  assertEquals(inner.getObjectOptions("b", "k"), { contentType: "text/csv", metadata: { a: "1" } });
  assertEquals(inner.getObject("b", "k"), new Uint8Array([1, 2, 3]));
});

Deno.test("a whole object (PutObject) gets the object options and the request options", async () => {
  const inner = memory();
  const seen: unknown[] = [];
  const spy = Object.assign(Object.create(inner), {
    putObject: (input: Parameters<typeof inner.putObject>[0], s: AbortSignal) => {
      seen.push(input.requestOptions);
      return inner.putObject(input, s);
    },
  });
  const wrapped = withUploadOptions(spy, {
    objectOptions: { contentType: "text/csv", tagging: "a=1" },
    requestOptions: { expectedBucketOwner: "123" },
  });
  const put = await wrapped.putObject!(
    { bucket: "b", key: "k", body: new Uint8Array(0), checksum: none },
    signal,
  );
  assertEquals(put.eTag, "d41d8cd98f00b204e9800998ecf8427e");
  assertEquals(inner.getObjectOptions("b", "k"), { contentType: "text/csv", tagging: "a=1" });
  assertEquals(seen, [{ expectedBucketOwner: "123" }]);
});

Deno.test("optional capabilities pass through, and only where the inner backend has them", async () => {
  const inner = memory();
  const wrapped = withUploadOptions(inner, { requestOptions: { expectedBucketOwner: "1" } });
  const ref = { bucket: "b", key: "k" };
  const uploadId = await wrapped.createMultipartUpload(
    { ...ref, checksumAlgorithm: "none" },
    signal,
  );
  const body = new Uint8Array([5, 6, 7, 8, 9]);
  const part = await wrapped.uploadPart(
    { ...ref, uploadId, partNumber: 1, body, checksum: none },
    signal,
  );
  await wrapped.completeMultipartUpload(
    { ...ref, uploadId, parts: [part], checksumAlgorithm: "none" },
    signal,
  );
  assertEquals(await wrapped.objectPartSizes!(ref, signal), [5]);
  assertEquals(await collectSlices(await wrapped.readObject!(ref, signal)), body);
  const range = { offset: 1, length: 3 };
  const some = await collectSlices(await wrapped.readObject!(ref, signal, { range }));
  assertEquals(some, body.subarray(1, 4));
  const minimal = withUploadOptions(
    {
      name: inner.name,
      limits: inner.limits,
      createMultipartUpload: (o, s) => inner.createMultipartUpload(o, s),
      uploadPart: (i, s) => inner.uploadPart(i, s),
      listParts: (r, s) => inner.listParts(r, s),
      completeMultipartUpload: (i, s) => inner.completeMultipartUpload(i, s),
      abortMultipartUpload: (r, s) => inner.abortMultipartUpload(r, s),
      putObject: (i, s) => inner.putObject(i, s),
      listMultipartUploads: (o, s) => inner.listMultipartUploads(o, s),
      headObject: (r, s, o) => inner.headObject(r, s, o),
      close: () => inner.close(),
    },
    { requestOptions: { expectedBucketOwner: "1" } },
  );
  assertEquals([minimal.objectPartSizes, minimal.readObject], [undefined, undefined]);
});
