/**
 * The behaviour every backend adapter must show, as Deno.test cases: one suite runs
 * against the memory backend, MinIO and moto (rclone's fstests idea). Register it from a
 * `*_test.ts` file with {@link conformanceSuite}.
 */
import { stripQuotes } from "./etag.ts";
import { assertEquals, assertOk } from "./testing/assert.ts";
import type { UploadedPart } from "./types.ts";
import { computeChecksum, md5Hex, multipartETag } from "./checksum.ts";
import { MiB } from "./units.ts";
import { collectSlices } from "./part_body.ts";
import { type ConformanceFixture, Context, expectKind, filled } from "./conformance_context.ts";

export type { ConformanceFixture } from "./conformance_context.ts";

/** Which optional parts of the suite to run. */
export interface ConformanceOptions {
  /** Part ETags are MD5 digests, so the multipart ETag can be computed (default true). */
  etagIsMd5?: boolean;
  /** Upload over 1,000 parts to test listParts pagination (slow on real servers). */
  manyParts?: boolean;
  /** Test flexible checksums (crc32): verification and listing (default false). */
  checksums?: boolean;
  /**
   * Known server deviation: moto answers UploadPart on an aborted upload with a 500 HTML
   * page instead of 404 NoSuchUpload. The engine still ends right (retries, exit 3, and the
   * next run's ListParts says NoSuchUpload), so the suite asserts the deviation exactly.
   */
  uploadPartAfterAbortIs500?: boolean;
  /**
   * Known deviation (Garage, preset deviations.acceptsSmallParts): Complete accepts non-last
   * parts below 5 MiB. The suite then asserts that the upload completes instead.
   */
  acceptsSmallParts?: boolean;
  /**
   * Known deviation (SeaweedFS, preset deviations.createsMissingBucket): an upload into a
   * missing bucket creates it. The suite then asserts that it does.
   */
  createsMissingBucket?: boolean;
  /**
   * The error code a wrong crc32 part checksum must get, when the test asserts it: S3's
   * BadDigest, MinIO's XAmzContentChecksumMismatch, Garage's InvalidDigest (a deviation).
   */
  checksumMismatchCode?: string;
  /**
   * Known deviation (SeaweedFS, preset deviations.listPartsOmitsChecksums): ListParts
   * reports no part checksums. The crc32 case then asserts that they are absent.
   */
  listPartsOmitsChecksums?: boolean;
  /** Deno's op and resource sanitizers (default true; SDK sockets may need false). */
  sanitize?: boolean;
}

/** Registers the conformance tests for one backend; `makeBackend` runs once per test. */
export function conformanceSuite(
  name: string,
  makeBackend: () => Promise<ConformanceFixture>,
  options: ConformanceOptions = {},
): void {
  const etagIsMd5 = options.etagIsMd5 ?? true;
  const sanitize = options.sanitize ?? true;

  function test(title: string, fn: (ctx: Context) => Promise<void>): void {
    Deno.test({
      name: `${name} conformance: ${title}`,
      sanitizeOps: sanitize,
      sanitizeResources: sanitize,
      async fn() {
        const fixture = await makeBackend();
        const ctx = new Context(fixture);
        try {
          await fn(ctx);
        } finally {
          await ctx.abortOpenUploads();
          await fixture.cleanup();
        }
      },
    });
  }

  test("parts uploaded out of order list sorted and complete with a multipart ETag", async (ctx) => {
    const { backend, signal } = ctx;
    const ref = await ctx.create("out-of-order");
    const bodies = [filled(5 * MiB, 1), filled(5 * MiB, 2), filled(1, 3)];
    const returned = new Map<number, UploadedPart>();
    for (const partNumber of [3, 1, 2]) {
      const part = await ctx.upload(ref, partNumber, bodies[partNumber - 1]);
      assertEquals(part.partNumber, partNumber);
      if (etagIsMd5) assertEquals(part.eTag, md5Hex(bodies[partNumber - 1]));
      returned.set(partNumber, part);
    }

    const listed = await backend.listParts(ref, signal);
    assertEquals(listed.map((p) => p.partNumber), [1, 2, 3]);
    assertEquals(listed.map((p) => p.size), [5 * MiB, 5 * MiB, 1]);
    assertEquals(listed.map((p) => p.eTag), [1, 2, 3].map((n) => returned.get(n)!.eTag));
    // LastModified, where the store gives it, is when the part was stored: `list` ages by it.
    for (const p of listed.filter((p) => p.lastModified !== undefined)) {
      const skew = Math.abs(Date.now() - p.lastModified!.getTime());
      assertOk(
        skew < 15 * 60_000,
        `part ${p.partNumber} LastModified ${p.lastModified!.toISOString()}`,
      );
    }

    const completed = await backend.completeMultipartUpload(
      { ...ref, parts: listed, checksumAlgorithm: "none" },
      signal,
    );
    ctx.forget(ref);
    const head = await backend.headObject(ref, signal);
    assertEquals(head.size, 10 * MiB + 1);
    assertOk(head.eTag.endsWith("-3"), `multipart ETag ${head.eTag} should end in -3`);
    assertEquals(stripQuotes(completed.eTag), head.eTag);
    if (etagIsMd5) assertEquals(head.eTag, multipartETag(bodies.map(md5Hex)));
  });

  if (options.manyParts) {
    test("listParts follows pagination past 1,000 parts", async (ctx) => {
      const ref = await ctx.create("many-parts");
      const count = 2_345;
      const numbers = Array.from({ length: count }, (_, i) => i + 1);
      for (let i = 0; i < numbers.length; i += 100) {
        await Promise.all(
          numbers.slice(i, i + 100).map((n) => ctx.upload(ref, n, filled(1, n))),
        );
      }
      const listed = await ctx.backend.listParts(ref, ctx.signal);
      assertEquals(listed.map((p) => p.partNumber), numbers);
      if (etagIsMd5) assertEquals(listed[1500].eTag, md5Hex(filled(1, 1501)));
      // A marker inside the second page: pagination goes on from it.
      const tail = await ctx.backend.listParts({ ...ref, afterPartNumber: 1_200 }, ctx.signal);
      assertEquals(tail.map((p) => p.partNumber), numbers.slice(1_200));
    });
  }

  test("abort makes the upload unknown", async (ctx) => {
    const { backend, signal } = ctx;
    const ref = await ctx.create("abort");
    await ctx.upload(ref, 1, filled(10, 1));
    await backend.abortMultipartUpload(ref, signal);
    ctx.forget(ref);
    await expectKind(backend.listParts(ref, signal), "no_such_upload");
    await expectKind(
      ctx.upload(ref, 2, filled(10, 2)),
      options.uploadPartAfterAbortIs500 ? "retryable" : "no_such_upload",
    );
  });

  test("complete with a part that was never uploaded fails invalid_request", async (ctx) => {
    const { backend, signal } = ctx;
    const ref = await ctx.create("missing-part");
    const one = await ctx.upload(ref, 1, filled(5 * MiB, 1));
    const three = await ctx.upload(ref, 3, filled(1, 3));
    const phantom = { partNumber: 2, eTag: md5Hex(filled(5 * MiB, 2)), size: 5 * MiB };
    await expectKind(
      backend.completeMultipartUpload(
        { ...ref, parts: [one, phantom, three], checksumAlgorithm: "none" },
        signal,
      ),
      "invalid_request",
    );
  });

  test("complete with parts out of order fails invalid_request", async (ctx) => {
    const { backend, signal } = ctx;
    const ref = await ctx.create("bad-order");
    const one = await ctx.upload(ref, 1, filled(5 * MiB, 1));
    const two = await ctx.upload(ref, 2, filled(1, 2));
    await expectKind(
      backend.completeMultipartUpload(
        { ...ref, parts: [two, one], checksumAlgorithm: "none" },
        signal,
      ),
      "invalid_request",
    );
  });

  if (options.acceptsSmallParts) {
    test("a too-small part in the middle completes (a documented deviation)", async (ctx) => {
      const { backend, signal } = ctx;
      const ref = await ctx.create("too-small");
      const bodies = [filled(5 * MiB, 1), filled(1, 2), filled(1, 3)];
      for (const [i, body] of bodies.entries()) await ctx.upload(ref, i + 1, body);
      const parts = await backend.listParts(ref, signal);
      await backend.completeMultipartUpload({ ...ref, parts, checksumAlgorithm: "none" }, signal);
      ctx.forget(ref);
      assertEquals((await backend.headObject(ref, signal)).size, 5 * MiB + 2);
    });
  } else {
    test("a too-small part in the middle fails at complete and keeps the upload", async (ctx) => {
      const { backend, signal } = ctx;
      const ref = await ctx.create("too-small");
      await ctx.upload(ref, 1, filled(5 * MiB, 1));
      await ctx.upload(ref, 2, filled(1, 2));
      await ctx.upload(ref, 3, filled(1, 3));
      const parts = await backend.listParts(ref, signal);
      await expectKind(
        backend.completeMultipartUpload({ ...ref, parts, checksumAlgorithm: "none" }, signal),
        "invalid_request",
      );
      assertEquals((await backend.listParts(ref, signal)).length, 3);
      await expectKind(backend.headObject(ref, signal), "not_found");
    });
  }

  test("listParts after a part number lists only the parts above it", async (ctx) => {
    const { backend, signal } = ctx;
    const ref = await ctx.create("after-marker");
    for (const n of [1, 2, 4, 7]) await ctx.upload(ref, n, filled(10, n));
    const above = (after: number) =>
      backend.listParts({ ...ref, afterPartNumber: after }, signal).then((parts) =>
        parts.map((p) => p.partNumber)
      );
    assertEquals(await above(1), [2, 4, 7]);
    assertEquals(await above(2), [4, 7]);
    assertEquals(await above(7), []);
    // A marker naming no part lists nothing on MinIO and moto (not so in the memory store):
    // callers pass a part the upload has.
    assertEquals((await backend.listParts(ref, signal)).map((p) => p.partNumber), [1, 2, 4, 7]);
  });

  if (options.createsMissingBucket) {
    test("an upload into an unknown bucket creates it (a documented deviation)", async (ctx) => {
      const bucket = `s3mpu-missing-${crypto.randomUUID().slice(0, 8)}`;
      const uploadId = await ctx.backend.createMultipartUpload(
        { bucket, key: "k", checksumAlgorithm: "none" },
        ctx.signal,
      );
      const open = await ctx.backend.listMultipartUploads({ bucket }, ctx.signal);
      assertEquals(open.map((u) => u.uploadId), [uploadId]);
      await ctx.backend.abortMultipartUpload({ bucket, key: "k", uploadId }, ctx.signal);
    });
  } else {
    test("an unknown bucket is no_such_bucket", async (ctx) => {
      const bucket = `s3mpu-missing-${crypto.randomUUID().slice(0, 8)}`;
      await expectKind(
        ctx.backend.createMultipartUpload(
          { bucket, key: "k", checksumAlgorithm: "none" },
          ctx.signal,
        ),
        "no_such_bucket",
      );
    });
  }

  test("putObject stores the bytes; readObject reads them whole or in a range", async (ctx) => {
    const { backend, signal, bucket } = ctx;
    const body = filled(300_000, 5);
    const ref = { bucket, key: ctx.key("put") };
    const put = await backend.putObject(
      { ...ref, body, checksum: { algorithm: "md5", value: computeChecksum("md5", body) } },
      signal,
    );
    const head = await backend.headObject(ref, signal);
    assertEquals(head.size, body.length);
    assertEquals(head.eTag, put.eTag);
    if (etagIsMd5) assertEquals(head.eTag, md5Hex(body));
    assertEquals(await readAll(backend.readObject!(ref, signal)), body);
    const range = { offset: 70_000, length: 100_001 };
    assertEquals(
      await readAll(backend.readObject!(ref, signal, { range })),
      body.subarray(70_000, 170_001),
    );
    // An empty object: nothing to read, a size of 0.
    const empty = { bucket, key: ctx.key("put-empty") };
    await backend.putObject(
      {
        ...empty,
        body: new Uint8Array(0),
        checksum: { algorithm: "md5", value: computeChecksum("md5", new Uint8Array(0)) },
      },
      signal,
    );
    assertEquals((await backend.headObject(empty, signal)).size, 0);
    assertEquals((await readAll(backend.readObject!(empty, signal))).length, 0);
  });

  test("headObject of a missing key is not_found", async (ctx) => {
    await expectKind(
      ctx.backend.headObject({ bucket: ctx.bucket, key: ctx.key("absent") }, ctx.signal),
      "not_found",
    );
  });

  test("listMultipartUploads shows an open upload under its prefix until aborted", async (ctx) => {
    const { backend, signal, bucket } = ctx;
    const ref = await ctx.create("listed/object");
    const prefix = ctx.key("listed/");
    const open = await backend.listMultipartUploads({ bucket, prefix }, signal);
    assertEquals(open.map((u) => [u.key, u.uploadId]), [[ref.key, ref.uploadId]]);
    const elsewhere = await backend.listMultipartUploads(
      { bucket, prefix: ctx.key("other/") },
      signal,
    );
    assertEquals(elsewhere, []);
    await backend.abortMultipartUpload(ref, signal);
    ctx.forget(ref);
    assertEquals(await backend.listMultipartUploads({ bucket, prefix }, signal), []);
  });

  test("an already-aborted signal rejects with kind aborted", async (ctx) => {
    const { backend, bucket } = ctx;
    const aborted = AbortSignal.abort();
    const key = ctx.key("aborted");
    await expectKind(
      backend.createMultipartUpload({ bucket, key, checksumAlgorithm: "none" }, aborted),
      "aborted",
    );
    await expectKind(backend.headObject({ bucket, key }, aborted), "aborted");
    const ref = await ctx.create("aborted-part");
    await expectKind(
      backend.uploadPart(
        { ...ref, partNumber: 1, body: filled(10, 1), checksum: { algorithm: "none", value: "" } },
        aborted,
      ),
      "aborted",
    );
    assertEquals(await backend.listParts(ref, ctx.signal), []);
  });

  test("putObject stores the bytes under their checksum, from bytes or a stream", async (ctx) => {
    const { backend, signal, bucket } = ctx;
    assertOk(backend.readObject, "the adapter reads objects");
    const body = filled(70_000, 9);
    const stream = { size: body.length, open: () => [body.subarray(0, 1000), body.subarray(1000)] };
    for (const [name, given] of [["bytes", body], ["stream", stream]] as const) {
      const key = ctx.key(`put-${name}`);
      const checksum = { algorithm: "md5" as const, value: computeChecksum("md5", body) };
      const put = await backend.putObject({
        bucket,
        key,
        body: given as typeof body,
        checksum,
        contentType: "text/plain",
        objectOptions: { cacheControl: "max-age=60" },
      }, signal);
      const head = await backend.headObject({ bucket, key }, signal);
      assertEquals([head.size, head.eTag], [body.length, put.eTag]);
      if (etagIsMd5) assertEquals(put.eTag, md5Hex(body));
      const read = new Uint8Array(
        await new Response(await backend.readObject({ bucket, key }, signal)).arrayBuffer(),
      );
      assertEquals(md5Hex(read), md5Hex(body));
    }
    if (!options.checksums) return;
    const key = ctx.key("put-crc32");
    const crc = { algorithm: "crc32" as const, value: computeChecksum("crc32", body) };
    await expectKind(
      backend.putObject({
        bucket,
        key,
        body,
        checksum: { ...crc, value: computeChecksum("crc32", body.subarray(1)) },
      }, signal),
      "retryable",
    );
    await expectKind(backend.headObject({ bucket, key }, signal), "not_found");
    const put = await backend.putObject({ bucket, key, body, checksum: crc }, signal);
    const stored = (await backend.headObject({ bucket, key }, signal)).checksum ?? put.checksum;
    if (stored) assertEquals([stored.algorithm, stored.value], ["crc32", crc.value]);
  });

  if (options.checksums) {
    test("crc32 part checksums are verified, listed and completed", async (ctx) => {
      const { backend, signal } = ctx;
      const ref = await ctx.create("crc32", "crc32");
      const bodies = [filled(5 * MiB, 1), filled(3, 2)];
      const mismatch = await expectKind(
        ctx.upload(ref, 1, bodies[0], {
          algorithm: "crc32",
          value: computeChecksum("crc32", bodies[1]),
        }),
        // A checksum mismatch means damage in transit: worth a retry from the same bytes.
        "retryable",
      );
      if (options.checksumMismatchCode !== undefined) {
        assertEquals(mismatch.details.code, options.checksumMismatchCode);
      }
      for (const [i, body] of bodies.entries()) await ctx.upload(ref, i + 1, body, "crc32");
      const listed = await backend.listParts(ref, signal);
      const sums = bodies.map((b) => computeChecksum("crc32", b));
      assertEquals(
        listed.map((p) => p.checksum),
        options.listPartsOmitsChecksums ? sums.map(() => undefined) : sums,
      );
      // Complete lists each part's checksum, as s3mpu does from its journal.
      await backend.completeMultipartUpload(
        {
          ...ref,
          parts: listed.map((p, i) => ({ ...p, checksum: sums[i] })),
          checksumAlgorithm: "crc32",
        },
        signal,
      );
      ctx.forget(ref);
      assertEquals((await backend.headObject(ref, signal)).size, 5 * MiB + 3);
    });

    test("putObject verifies its checksum and keeps a flexible one as FULL_OBJECT", async (ctx) => {
      const { backend, signal, bucket } = ctx;
      const body = filled(70_000, 6);
      const ref = { bucket, key: ctx.key("put-crc32") };
      const other = filled(70_000, 7);
      for (const algorithm of ["crc32", "md5"] as const) {
        const wrong = { algorithm, value: computeChecksum(algorithm, other) };
        await expectKind(backend.putObject({ ...ref, body, checksum: wrong }, signal), "retryable");
      }
      await expectKind(backend.headObject(ref, signal), "not_found");
      const crc32 = computeChecksum("crc32", body);
      await backend.putObject(
        { ...ref, body, checksum: { algorithm: "crc32", value: crc32 } },
        signal,
      );
      const head = await backend.headObject(ref, signal);
      assertEquals(head.checksum, { algorithm: "crc32", value: crc32, type: "FULL_OBJECT" });
    });
  }
}

/** The bytes of a readObject stream. */
async function readAll(stream: Promise<AsyncIterable<Uint8Array>>): Promise<Uint8Array> {
  return await collectSlices(await stream);
}
