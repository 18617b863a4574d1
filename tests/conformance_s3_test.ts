/**
 * The backend conformance suite (backends/conformance.ts) against the real S3 adapter, over
 * HTTP to MinIO and moto: the same behaviour the memory backend is held to.
 */
import { conformanceSuite } from "../backends/conformance.ts";
import { createBackend } from "../backends/registry.ts";
import { getPreset } from "../backends/presets.ts";
import { createTestBucket, testServers } from "./support/servers.ts";
import { assertEquals } from "../src/testing/assert.ts";

for (const server of testServers()) {
  conformanceSuite(`s3 adapter on ${server.name}`, async () => {
    const bucket = await createTestBucket(server);
    // The adapter reads credentials from the standard chain, as the CLI does.
    Deno.env.set("AWS_ACCESS_KEY_ID", server.accessKeyId);
    Deno.env.set("AWS_SECRET_ACCESS_KEY", server.secretAccessKey);
    // MinIO behind its own preset; moto stands in for AWS.
    const preset = getPreset(server.name === "minio" ? "minio" : "aws");
    const backend = createBackend("s3", {
      name: `s3 (${server.name})`,
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      limits: preset.limits,
      uploadListingByPrefix: preset.uploadListingByPrefix,
      http: { kind: "node", maxSockets: 4, connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 },
    });
    return { backend, bucket, cleanup: () => Promise.resolve(backend.close()) };
    // moto accepts but does not verify x-amz-checksum-* values, so only MinIO runs that case.
  }, {
    checksums: server.name === "minio",
    uploadPartAfterAbortIs500: server.name === "moto",
    sanitize: false,
  });
}

for (const server of testServers()) {
  Deno.test({
    name: `s3 adapter on ${server.name}: ListParts ranges in parallel return every part once`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const bucket = await createTestBucket(server);
      Deno.env.set("AWS_ACCESS_KEY_ID", server.accessKeyId);
      Deno.env.set("AWS_SECRET_ACCESS_KEY", server.secretAccessKey);
      const preset = getPreset(server.name === "minio" ? "minio" : "aws");
      const backend = createBackend("s3", {
        name: server.name,
        endpoint: server.endpoint,
        region: server.region,
        forcePathStyle: true,
        limits: preset.limits,
        http: { kind: "node", maxSockets: 16, connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 },
      });
      const signal = new AbortController().signal;
      const ref = { bucket, key: "many-parts" };
      const uploadId = await backend.createMultipartUpload(
        { ...ref, checksumAlgorithm: "none" },
        signal,
      );
      const total = 1205; // two full 1,000-part ranges' worth of numbers, plus a partial third
      const numbers = Array.from({ length: total }, (_, i) => i + 1);
      for (let i = 0; i < numbers.length; i += 16) {
        await Promise.all(
          numbers.slice(i, i + 16).map((partNumber) =>
            backend.uploadPart({
              ...ref,
              uploadId,
              partNumber,
              body: new Uint8Array([partNumber & 0xff]),
              checksum: { algorithm: "none", value: "" },
            }, signal)
          ),
        );
      }
      try {
        // highestPart below the real count: the open-ended last range must still list the rest.
        for (const highestPart of [undefined, 1100, 2000]) {
          const listed = await backend.listParts({ ...ref, uploadId, highestPart }, signal);
          assertEquals(listed.map((p) => p.partNumber), numbers, `highestPart ${highestPart}`);
        }
      } finally {
        await backend.abortMultipartUpload({ ...ref, uploadId }, signal);
        backend.close();
      }
    },
  });
}
