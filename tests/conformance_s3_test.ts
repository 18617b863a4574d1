/**
 * The backend conformance suite (backends/conformance.ts) against the real S3 adapter, over
 * HTTP to every configured store (MinIO, moto and versitygw; SeaweedFS and Garage with
 * scripts/test_more_stores.sh): the same behaviour the memory backend is held to, with each
 * store's documented deviations (its preset's `deviations`) asserted exactly.
 */
import { conformanceSuite } from "../backends/conformance.ts";
import { S3Backend } from "../backends/s3/s3_backend.ts";
import { getPreset } from "../backends/presets.ts";
import { createTestBucket, storeServers } from "./support/servers.ts";

for (const server of storeServers()) {
  // MinIO behind its own preset; moto stands in for AWS; the others have their own.
  const preset = getPreset(server.provider ?? (server.name === "minio" ? "minio" : "aws"));
  conformanceSuite(`s3 adapter on ${server.name}`, async () => {
    const bucket = await createTestBucket(server);
    // The adapter reads credentials from the standard chain, as the CLI does.
    Deno.env.set("AWS_ACCESS_KEY_ID", server.accessKeyId);
    Deno.env.set("AWS_SECRET_ACCESS_KEY", server.secretAccessKey);
    const backend = new S3Backend({
      name: `s3 (${server.name})`,
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      limits: preset.limits,
      uploadListingByPrefix: preset.uploadListingByPrefix,
      http: { kind: "node", maxSockets: 4, connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 },
    });
    return { backend, bucket, cleanup: () => Promise.resolve(backend.close()) };
  }, {
    // moto accepts but does not verify x-amz-checksum-* values, so it skips that case.
    checksums: server.name !== "moto",
    uploadPartAfterAbortIs500: server.name === "moto",
    acceptsSmallParts: preset.deviations?.acceptsSmallParts,
    createsMissingBucket: preset.deviations?.createsMissingBucket,
    listPartsOmitsChecksums: preset.deviations?.listPartsOmitsChecksums,
    // Observed codes; Garage's InvalidDigest is the preset's documented deviation.
    checksumMismatchCode: server.name === "minio"
      ? "XAmzContentChecksumMismatch"
      : preset.deviations?.checksumMismatchCode ?? "BadDigest",
    sanitize: false,
  });
}
