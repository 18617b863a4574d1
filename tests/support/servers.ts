/**
 * Helpers for integration tests that run against the real S3 servers started by
 * `bash scripts/test.sh` (MinIO, moto and versitygw, on loopback; SeaweedFS and Garage with
 * `bash scripts/test_more_stores.sh`). The servers are described by environment variables
 * that `scripts/servers.sh start` writes to `.cache/servers.env`.
 *
 * {@link testServers} (MinIO and moto) is what every integration test runs against;
 * {@link storeServers} adds the other stores for the suites that prove s3mpu on each store:
 * the backend conformance suite and the CLI's upload, resume and verify tests.
 *
 * The reference client here is the AWS SDK, configured independently of s3mpu's own backend
 * code, so tests can check what actually landed on the server.
 *
 * @module
 */

import { assertEquals } from "../../backends/testing/assert.ts";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";

/** The S3 implementations the test rig can start (scripts/servers.sh). */
export type ServerName = "minio" | "moto" | "versitygw" | "seaweedfs" | "garage";

/** One S3-compatible server the integration tests run against. */
export interface TestServer {
  /** Which server this is. */
  readonly name: ServerName;
  /** Base URL, e.g. `http://127.0.0.1:40123` (path-style addressing). */
  readonly endpoint: string;
  /** Access key id accepted by the server. */
  readonly accessKeyId: string;
  /** Secret access key accepted by the server. */
  readonly secretAccessKey: string;
  /** Region to sign requests for. */
  readonly region: "us-east-1";
  /**
   * The `--provider` preset s3mpu uses for this store, passed by {@link serverEnv} as
   * S3MPU_PROVIDER. Unset for MinIO and moto, whose tests predate the presets and run under
   * the preset the endpoint selects (generic for loopback).
   */
  readonly provider?: "versitygw" | "seaweedfs" | "garage";
}

/** An S3 client that is destroyed (its sockets closed) when a `using` declaration ends. */
export type ReferenceClient = S3Client & Disposable;

/** A multipart upload that was created and neither completed nor aborted. */
export interface OpenUpload {
  /** Object key of the upload. */
  key: string;
  /** Upload id the server assigned. */
  uploadId: string;
}

let warnedMinioUnavailable = false;

/**
 * The servers configured for this test run, MinIO first when it is available.
 *
 * Reads `S3MPU_TEST_MINIO_*` and `S3MPU_TEST_MOTO_*` from the environment. Throws when moto is
 * not configured, so integration tests cannot pass without servers: run them with
 * `bash scripts/test.sh`. When MinIO is unavailable (it could not be built), it is left out
 * and a warning with the reason is printed once.
 */
export function testServers(): TestServer[] {
  const env = (name: string): string | undefined => Deno.env.get(name) || undefined;
  const motoUrl = env("S3MPU_TEST_MOTO_URL");
  if (motoUrl === undefined) {
    throw new Error(
      "Integration test servers are not configured: S3MPU_TEST_MOTO_URL is not set. " +
        "Run the tests with `bash scripts/test.sh` (it builds and starts MinIO and moto), " +
        "or start them with `bash scripts/servers.sh start` and load `.cache/servers.env` " +
        "into the environment (set -a; . .cache/servers.env; set +a).",
    );
  }
  const servers: TestServer[] = [];
  const minioUrl = env("S3MPU_TEST_MINIO_URL");
  if (minioUrl !== undefined) {
    servers.push({
      name: "minio",
      endpoint: minioUrl,
      accessKeyId: required("S3MPU_TEST_MINIO_ACCESS_KEY"),
      secretAccessKey: required("S3MPU_TEST_MINIO_SECRET_KEY"),
      region: "us-east-1",
    });
  } else if (!warnedMinioUnavailable) {
    warnedMinioUnavailable = true;
    const reason = env("S3MPU_TEST_MINIO_UNAVAILABLE") ?? "S3MPU_TEST_MINIO_URL is not set";
    console.warn(`WARNING: MinIO is unavailable, testing against moto only: ${reason}`);
  }
  servers.push({
    name: "moto",
    endpoint: motoUrl,
    accessKeyId: env("S3MPU_TEST_MOTO_ACCESS_KEY") ?? "testing",
    secretAccessKey: env("S3MPU_TEST_MOTO_SECRET_KEY") ?? "testing",
    region: "us-east-1",
  });
  return servers;
}

/** The stores beside MinIO and moto, in the order the results table lists them. */
const MORE_STORES = ["versitygw", "seaweedfs", "garage"] as const;
const warnedUnavailable = new Set<string>();

/**
 * Every configured store: {@link testServers} (MinIO, moto) and then versitygw, SeaweedFS and
 * Garage where `scripts/servers.sh` started them. A store that was not built or did not start
 * is left out with a warning giving the reason (S3MPU_TEST_<STORE>_UNAVAILABLE), as MinIO
 * is. S3MPU_TEST_STORES (comma-separated names) narrows the list, e.g. `seaweedfs,garage`.
 */
export function storeServers(): TestServer[] {
  const env = (name: string): string | undefined => Deno.env.get(name) || undefined;
  const servers: TestServer[] = [...testServers()];
  for (const name of MORE_STORES) {
    const prefix = `S3MPU_TEST_${name.toUpperCase()}`;
    const url = env(`${prefix}_URL`);
    if (url === undefined) {
      const reason = env(`${prefix}_UNAVAILABLE`) ?? `${prefix}_URL is not set`;
      if (!warnedUnavailable.has(name) && !reason.startsWith("not requested")) {
        warnedUnavailable.add(name);
        console.warn(`WARNING: ${name} is unavailable, not testing against it: ${reason}`);
      }
      continue;
    }
    servers.push({
      name,
      endpoint: url,
      accessKeyId: required(`${prefix}_ACCESS_KEY`),
      secretAccessKey: required(`${prefix}_SECRET_KEY`),
      region: "us-east-1",
      provider: name,
    });
  }
  const only = env("S3MPU_TEST_STORES")?.split(",").map((n) => n.trim()).filter(Boolean);
  return only ? servers.filter((s) => only.includes(s.name)) : servers;
}

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) {
    throw new Error(`${name} is not set; re-run the servers with \`bash scripts/test.sh\`.`);
  }
  return value;
}

/**
 * A new AWS SDK S3 client for `server`, independent of s3mpu's own backends: path-style
 * addressing, and checksums only when an operation requires them (S3-compatible stores
 * reject the SDK's default CRC32 headers). Declare it with `using` (or call `destroy()`) so
 * its connections are closed before the test ends.
 */
export function referenceClient(server: TestServer): ReferenceClient {
  const client = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: {
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
    },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return Object.assign(client, {
    [Symbol.dispose]() {
      client.destroy();
    },
  });
}

/**
 * Creates a bucket with a unique name on `server` and returns the name.
 *
 * @param prefix Start of the bucket name (lowercase letters, digits and dashes).
 */
export async function createTestBucket(server: TestServer, prefix = "s3mpu-test"): Promise<string> {
  const suffix = `${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
  const bucket = `${prefix}-${suffix}`.toLowerCase().slice(0, 63);
  using client = referenceClient(server);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Downloads `bucket/key` from `server` and returns the SHA-256 of its bytes as lowercase hex. */
export async function objectSha256(
  server: TestServer,
  bucket: string,
  key: string,
): Promise<string> {
  using client = referenceClient(server);
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (response.Body === undefined) {
    throw new Error(`GetObject ${bucket}/${key} on ${server.name} returned no body.`);
  }
  const hash = createHash("sha256");
  for await (const chunk of response.Body.transformToWebStream()) {
    hash.update(chunk);
  }
  return hash.digest("hex");
}

/** SHA-256 of `bytes` as lowercase hex, to compare with {@link objectSha256}. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The ETag of `bucket/key` on `server` without surrounding quotes (a multipart upload's ends
 * in `-<part count>`), or `undefined` when the object does not exist.
 */
export async function headETag(
  server: TestServer,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  using client = referenceClient(server);
  try {
    const response = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return response.ETag?.replace(/^"|"$/g, "");
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
      ?.httpStatusCode;
    if (status === 404 || (error as Error).name === "NotFound") return undefined;
    throw error;
  }
}

/**
 * All unfinished multipart uploads in `bucket` on `server`, optionally only keys starting
 * with `prefix`. The prefix is applied here, not sent to the server: MinIO's
 * ListMultipartUploads matches its `prefix` against whole keys only (prefix `dir/` does not
 * list `dir/a.bin`).
 */
export async function listOpenUploads(
  server: TestServer,
  bucket: string,
  prefix?: string,
): Promise<OpenUpload[]> {
  using client = referenceClient(server);
  const uploads: OpenUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page: ListMultipartUploadsCommandOutput = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (
        upload.Key !== undefined && upload.UploadId !== undefined &&
        (prefix === undefined || upload.Key.startsWith(prefix))
      ) {
        uploads.push({ key: upload.Key, uploadId: upload.UploadId });
      }
    }
    if (!page.IsTruncated) return uploads;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
    if (keyMarker === undefined && uploadIdMarker === undefined) return uploads;
  }
}

/**
 * Asserts `bucket/key` on `server` holds exactly `bytes` (downloaded with the reference
 * client and hashed) and that no multipart upload is left open in `bucket`.
 */
export async function assertStoredWhole(
  server: TestServer,
  bucket: string,
  key: string,
  bytes: Uint8Array,
): Promise<void> {
  assertEquals(await objectSha256(server, bucket, key), sha256Hex(bytes), `${bucket}/${key}`);
  assertEquals(await listOpenUploads(server, bucket), [], `no upload left open in ${bucket}`);
}

/**
 * Uploads one part of `uploadId` with the reference `client`; returns its ETag without
 * quotes. `checksum` (e.g. "CRC32"): the part carries that checksum, which an upload created
 * with it requires of every part.
 */
export async function referenceUploadPart(
  client: S3Client,
  upload: { bucket: string; key: string; uploadId: string },
  partNumber: number,
  body: Uint8Array,
  checksum?: "CRC32" | "CRC32C" | "SHA256",
): Promise<string> {
  const { ETag } = await client.send(
    new UploadPartCommand({
      Bucket: upload.bucket,
      Key: upload.key,
      UploadId: upload.uploadId,
      PartNumber: partNumber,
      Body: body,
      ...(checksum ? { ChecksumAlgorithm: checksum } : {}),
    }),
  );
  return (ETag ?? "").replaceAll('"', "");
}

/**
 * Uploads `parts` as one multipart upload with the reference client (not s3mpu) and returns
 * the ETag of the completed object, without quotes. Useful to set up fixtures and to compare
 * s3mpu's result with what the SDK produces.
 */
export async function referenceMultipartUpload(
  server: TestServer,
  bucket: string,
  key: string,
  parts: Uint8Array[],
): Promise<string> {
  using client = referenceClient(server);
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId!;
  const completed = [];
  for (const [index, body] of parts.entries()) {
    const partNumber = index + 1;
    const part = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
      }),
    );
    completed.push({ ETag: part.ETag, PartNumber: partNumber });
  }
  const done = await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: completed },
    }),
  );
  return (done.ETag ?? "").replace(/^"|"$/g, "");
}

/**
 * Environment variables that point the s3mpu CLI (or any AWS SDK program) at `server`; merge
 * them into the `env` of a spawned process.
 */
export function serverEnv(server: TestServer): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    AWS_ENDPOINT_URL: server.endpoint,
    ...(server.provider ? { S3MPU_PROVIDER: server.provider } : {}),
  };
}
