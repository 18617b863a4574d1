/**
 * The backend conformance suite (backends/conformance.ts) against the real S3 adapter, over
 * HTTP to MinIO and moto: the same behaviour the memory backend is held to.
 */
import { conformanceSuite } from "../backends/conformance.ts";
import { createBackend } from "../backends/registry.ts";
import { getPreset } from "../backends/presets.ts";
import { createTestBucket, testServers } from "./support/servers.ts";

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
