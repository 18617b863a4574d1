/**
 * The backend conformance suite (backends/conformance.ts) against the real S3 adapter, over
 * HTTP to every configured store (MinIO, moto and versitygw; SeaweedFS and Garage with
 * scripts/test_more_stores.sh): the same behaviour the memory backend is held to, with each
 * store's documented deviations (its preset's `deviations`) asserted exactly.
 */
import { conformanceSuite } from "../backends/conformance.ts";
import { S3Backend } from "../backends/s3/s3_backend.ts";
import { getPreset } from "../backends/presets.ts";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { assertEquals } from "../backends/testing/assert.ts";
import { computeChecksum } from "../backends/checksum.ts";
import {
  createTestBucket,
  objectSha256,
  referenceClient,
  sha256Hex,
  storeServers,
  type TestServer,
} from "./support/servers.ts";

/** MinIO behind its own preset; moto stands in for AWS; the others have their own. */
function presetOf(server: TestServer) {
  return getPreset(server.provider ?? (server.name === "minio" ? "minio" : "aws"));
}

/** The S3 adapter for `server`, with the credentials the CLI would find in the environment. */
function adapter(server: TestServer, preset: ReturnType<typeof getPreset>): S3Backend {
  Deno.env.set("AWS_ACCESS_KEY_ID", server.accessKeyId);
  Deno.env.set("AWS_SECRET_ACCESS_KEY", server.secretAccessKey);
  return new S3Backend({
    name: `s3 (${server.name})`,
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    limits: preset.limits,
    uploadListingByPrefix: preset.uploadListingByPrefix,
    http: { kind: "node", maxSockets: 4, connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 },
  });
}

for (const server of storeServers()) {
  Deno.test({
    name:
      `s3 adapter on ${server.name}: putObject sends the object options, read back by another client`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const bucket = await createTestBucket(server);
      const backend = adapter(server, presetOf(server));
      try {
        const body = new TextEncoder().encode("a small object, sent in one request\n");
        await backend.putObject({
          bucket,
          key: "small.txt",
          body,
          checksum: { algorithm: "md5", value: computeChecksum("md5", body) },
          contentType: "text/plain",
          objectOptions: { cacheControl: "max-age=60", metadata: { team: "data" } },
        }, new AbortController().signal);
        assertEquals(await objectSha256(server, bucket, "small.txt"), sha256Hex(body));
        using client = referenceClient(server);
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "small.txt" }));
        assertEquals([head.ContentType, head.CacheControl, head.Metadata?.team], [
          "text/plain",
          "max-age=60",
          "data",
        ]);
      } finally {
        backend.close();
      }
    },
  });
}

for (const server of storeServers()) {
  const preset = presetOf(server);
  conformanceSuite(`s3 adapter on ${server.name}`, async () => {
    const bucket = await createTestBucket(server);
    // The adapter reads credentials from the standard chain, as the CLI does.
    const backend = adapter(server, preset);
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
