/**
 * Proves the integration test servers are real and reachable: for each configured server,
 * an object round-trips byte for byte and a two-part multipart upload completes with a
 * multipart ETag.
 */

import assert from "node:assert/strict";
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  createTestBucket,
  headETag,
  listOpenUploads,
  objectSha256,
  referenceClient,
  referenceMultipartUpload,
  serverEnv,
  sha256Hex,
  storeServers,
} from "./servers.ts";

import { MiB, randomBytes } from "../../src/testing/files.ts";

for (const server of storeServers()) {
  Deno.test(`${server.name}: a small object round-trips with the same SHA-256`, async () => {
    const bucket = await createTestBucket(server);
    const body = randomBytes(1000);
    {
      using client = referenceClient(server);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: "small.bin", Body: body }));
    }
    assert.equal(await objectSha256(server, bucket, "small.bin"), sha256Hex(body));
    assert.equal(await headETag(server, bucket, "missing.bin"), undefined);
    assert.deepEqual(await listOpenUploads(server, bucket), []);
  });

  Deno.test(`${server.name}: a 2-part multipart upload (5 MiB + 1 byte) completes`, async () => {
    const bucket = await createTestBucket(server);
    const body = randomBytes(5 * MiB + 1);
    const etag = await referenceMultipartUpload(server, bucket, "dir/two-parts.bin", [
      body.subarray(0, 5 * MiB),
      body.subarray(5 * MiB),
    ]);
    assert.match(etag, /-2$/);
    assert.equal(await headETag(server, bucket, "dir/two-parts.bin"), etag);
    assert.equal(await objectSha256(server, bucket, "dir/two-parts.bin"), sha256Hex(body));
    assert.deepEqual(await listOpenUploads(server, bucket, "dir/"), []);
  });

  Deno.test(`${server.name}: an unfinished upload is listed until aborted`, async () => {
    const bucket = await createTestBucket(server);
    using client = referenceClient(server);
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "open/a.bin" }),
    );
    assert.ok(UploadId);
    assert.deepEqual(await listOpenUploads(server, bucket, "open/"), [
      { key: "open/a.bin", uploadId: UploadId },
    ]);
    assert.deepEqual(await listOpenUploads(server, bucket, "other/"), []);
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: "open/a.bin", UploadId }),
    );
    assert.deepEqual(await listOpenUploads(server, bucket), []);
  });

  Deno.test(`${server.name}: serverEnv points an SDK program at the server`, () => {
    const env = serverEnv(server);
    assert.equal(env.AWS_ENDPOINT_URL, server.endpoint);
    assert.equal(env.AWS_REGION, "us-east-1");
    assert.ok(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
    assert.match(server.endpoint, /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/);
  });
}
