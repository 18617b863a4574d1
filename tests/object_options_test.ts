/**
 * Object options (issue 13), end to end: the CLI creates the upload with them against moto
 * and MinIO, and boto3 (tests/support/read_back.py, a client independent of s3mpu's SDK)
 * reads back what the server stored. SSE-C, SSE-S3 and SSE-KMS run against a MinIO over
 * HTTPS with a static KMS key (S3 and MinIO accept SSE-C only over TLS).
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { killAfterParts, MiB, randomFile, runS3mpu } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { uploadCaptured } from "./support/reliability.ts";
import { makeCerts, minioAvailable, opensslAvailable, startMinio } from "./support/tls.ts";

const READ_BACK = new URL("./support/read_back.py", import.meta.url).pathname;
const hasBoto3 = await new Deno.Command("python3", {
  args: ["-c", "import boto3"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success, () => false);
if (!hasBoto3) console.warn("object_options_test: skipped: python3 with boto3 is not installed");

interface Stored {
  head: Record<string, unknown>;
  tags: Record<string, string>;
  grants: Array<[string, string]> | { error: string };
  sha256: string;
  getWithoutKeyError?: string | null;
}

async function readBack(
  server: { endpoint: string; accessKeyId: string; secretAccessKey: string },
  bucket: string,
  key: string,
  extra: { caFile?: string; sseCustomerKeyFile?: string } = {},
): Promise<Stored> {
  const out = await new Deno.Command("python3", {
    args: [READ_BACK, JSON.stringify({ ...server, bucket, key, ...extra })],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertOk(out.success, `read_back.py failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Options both servers store; storage class and ACL differ (MinIO keeps no ACLs). */
function commonOptions(server: stores.TestServer): string[] {
  return [
    "--content-type",
    "text/csv; charset=utf-8",
    "--content-encoding",
    "identity",
    "--content-disposition",
    'attachment; filename="report.csv"',
    "--content-language",
    "en",
    "--cache-control",
    "max-age=3600",
    "--expires",
    "2030-01-02T03:04:05Z",
    "--metadata",
    "project=apollo,owner=ops",
    "--tagging",
    "team=data&tier=gold",
    "--storage-class",
    server.name === "moto" ? "STANDARD_IA" : "REDUCED_REDUNDANCY",
  ];
}

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);

  Deno.test({
    name: `${server.name}: each object option is stored, read back with boto3`,
    ignore: !hasBoto3,
    async fn() {
      const bucket = await stores.createTestBucket(server);
      const file = await randomFile(11 * MiB, "report.csv");
      const acl = server.name === "moto" ? ["--acl", "public-read"] : [];
      const sse = server.name === "moto" ? ["--sse", "AES256"] : [];
      const run = await runS3mpu(
        [
          "upload",
          file.path,
          `s3://${bucket}/in/`,
          "-s",
          "5MiB",
          ...commonOptions(server),
          ...acl,
          ...sse,
        ],
        env,
      );
      assertEquals(run.code, 0, run.stderr);
      const stored = await readBack(server, bucket, "in/report.csv");
      assertEquals(stored.sha256, stores.sha256Hex(file.bytes));
      const h = stored.head;
      assertEquals(h.ContentType, "text/csv; charset=utf-8");
      assertEquals(h.ContentEncoding, "identity");
      assertEquals(h.ContentDisposition, 'attachment; filename="report.csv"');
      assertEquals(h.ContentLanguage, "en");
      assertEquals(h.CacheControl, "max-age=3600");
      assertMatch(String(h.Expires ?? h.ExpiresString), /2030-01-02|Wed, 02 Jan 2030 03:04:05/);
      assertEquals(h.Metadata, { project: "apollo", owner: "ops" });
      assertEquals(h.StorageClass, server.name === "moto" ? "STANDARD_IA" : "REDUCED_REDUNDANCY");
      assertEquals(stored.tags, { team: "data", tier: "gold" });
      if (server.name === "moto") {
        assertEquals(h.ServerSideEncryption, "AES256");
        assertOk(
          Array.isArray(stored.grants) &&
            stored.grants.some(([who, what]) => /AllUsers$/.test(who) && what === "READ"),
          `public-read grants AllUsers READ: ${JSON.stringify(stored.grants)}`,
        );
      }
      await file.cleanup();
    },
  });

  Deno.test({
    name: `${server.name}: the content type is guessed from the extension unless told not to`,
    ignore: !hasBoto3,
    async fn() {
      const bucket = await stores.createTestBucket(server);
      const file = await randomFile(6 * MiB, "page.json");
      const guessed = await runS3mpu(["upload", file.path, `s3://${bucket}/a.json`], env);
      assertEquals(guessed.code, 0, guessed.stderr);
      assertEquals((await readBack(server, bucket, "a.json")).head.ContentType, "application/json");
      const plain = await runS3mpu(
        ["upload", file.path, `s3://${bucket}/b.json`, "--no-guess-mime-type"],
        env,
      );
      assertEquals(plain.code, 0, plain.stderr);
      const type = (await readBack(server, bucket, "b.json")).head.ContentType;
      assertOk(type !== "application/json", `not guessed: ${type}`);
      await file.cleanup();
    },
  });
}

const moto = stores.testServers().find((s) => s.name === "moto")!;
const minio = stores.testServers().find((s) => s.name === "minio");

Deno.test("moto: a resume given other object options exits 4 naming the difference", async () => {
  const env = stores.serverEnv(moto);
  const bucket = await stores.createTestBucket(moto);
  const file = await randomFile(30 * MiB, "data.csv");
  const parts = `${file.dir}/data.csv.s3mpu-parts.jsonl`;
  const meta = `${file.dir}/data.csv.s3mpu-meta.json`;
  const base = ["upload", file.path, `s3://${bucket}/d.csv`, "-s", "5MiB", "-t", "1"];
  // --limit-rate keeps the first run slow enough to be killed part-way.
  await killAfterParts([...base, "--metadata", "v=1", "--limit-rate", "4MiB"], env, parts, 1);
  const recorded = JSON.parse(await Deno.readTextFile(meta));
  assertEquals(recorded.objectOptions, {
    contentType: "text/csv",
    contentTypeGuessed: true,
    metadata: { v: "1" },
  });
  const changed = await runS3mpu(
    [...base, "--metadata", "v=2", "--cache-control", "no-cache"],
    env,
  );
  assertEquals(changed.code, 4, changed.stderr);
  assertMatch(
    changed.stderr,
    /created with other object options \(--metadata \{"v":"1"\} → \{"v":"2"\}, --cache-control \(none\) → "no-cache"\).*--restart/,
  );
  const same = await runS3mpu([...base, "--metadata", "v=1"], env);
  assertEquals(same.code, 0, same.stderr);
  assertMatch(same.stderr, /Continuing multipart upload/);
  if (hasBoto3) {
    const stored = await readBack(moto, bucket, "d.csv");
    assertEquals([stored.sha256, stored.head.Metadata], [stores.sha256Hex(file.bytes), { v: "1" }]);
  }
  await file.cleanup();
});

Deno.test({
  name: "moto: --sse aws:kms and aws:kms:dsse are stored, read back with boto3",
  ignore: !hasBoto3,
  async fn() {
    const bucket = await stores.createTestBucket(moto);
    const file = await randomFile(6 * MiB, "k.bin");
    for (const sse of ["aws:kms", "aws:kms:dsse"]) {
      const key = `sse-${sse.replaceAll(":", "-")}.bin`;
      const run = await runS3mpu(
        [
          "upload",
          file.path,
          `s3://${bucket}/${key}`,
          "--sse",
          sse,
          "--sse-kms-key-id",
          "alias/s3mpu",
        ],
        stores.serverEnv(moto),
      );
      assertEquals(run.code, 0, run.stderr);
      const stored = await readBack(moto, bucket, key);
      assertEquals([stored.head.ServerSideEncryption, stored.sha256], [
        sse,
        stores.sha256Hex(file.bytes),
      ]);
    }
    await file.cleanup();
  },
});

Deno.test({
  name: "minio: --expected-bucket-owner and --request-payer go with every request",
  ignore: !minio,
  async fn() {
    const { run, captured } = await uploadCaptured(minio!, (bucket, file) => [
      ...["upload", file, `s3://${bucket}/owned.bin`, "-s", "5MiB"],
      ...["--expected-bucket-owner", "123456789012", "--request-payer", "requester"],
    ]);
    assertEquals(run.code, 0, run.stderr);
    const ops = captured.filter((r) =>
      ["CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"].includes(r.operation)
    );
    assertEquals(ops.length, 5);
    for (const r of ops) {
      assertEquals(r.headers["x-amz-expected-bucket-owner"], "123456789012", r.operation);
      assertEquals(r.headers["x-amz-request-payer"], "requester", r.operation);
    }
  },
});

Deno.test({
  name: "minio over HTTPS: SSE-C, SSE-S3 and SSE-KMS are stored; a resume needs the SSE-C key",
  ignore: !hasBoto3 || !minioAvailable() || !opensslAvailable(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "s3mpu-sse-" });
    const certs = await makeCerts(dir);
    const kmsKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const server = await startMinio(dir, {
      certsDir: certs.certsDir,
      caFile: certs.caFile,
      env: { MINIO_KMS_SECRET_KEY: `s3mpu-test-key:${kmsKey}` },
    });
    const ref = { endpoint: server.url, ...server };
    const env = {
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: server.url,
      AWS_CA_BUNDLE: certs.caFile,
    };
    try {
      const mb = await runS3mpu(["list", "s3://sse-bucket"], env); // the bucket must exist
      assertEquals(mb.code, 2, "no bucket yet");
      await new Deno.Command("python3", {
        args: [
          "-c",
          `import boto3; boto3.client("s3", endpoint_url="${server.url}", verify="${certs.caFile}", aws_access_key_id="${server.accessKeyId}", aws_secret_access_key="${server.secretAccessKey}", region_name="us-east-1").create_bucket(Bucket="sse-bucket")`,
        ],
      }).output();
      const file = await randomFile(30 * MiB, "secret.bin");
      const keyFile = `${dir}/sse-c.key`;
      const key = crypto.getRandomValues(new Uint8Array(32));
      await Deno.writeFile(keyFile, key);
      const base = ["upload", file.path, "s3://sse-bucket/c.bin", "-s", "5MiB", "-t", "1"];
      const sseC = ["--sse-c", "AES256", "--sse-c-key-file", keyFile];
      // Killed part-way, then resumed: without the key it is exit 2, with it exit 0.
      const parts = `${file.dir}/secret.bin.s3mpu-parts.jsonl`;
      await killAfterParts([...base, ...sseC, "--limit-rate", "4MiB"], env, parts, 1);
      const metaText = await Deno.readTextFile(`${file.dir}/secret.bin.s3mpu-meta.json`);
      const keyBase64 = btoa(String.fromCharCode(...key));
      assertOk(!metaText.includes(keyBase64), "the SSE-C key is never stored");
      assertMatch(metaText, /"sseCustomerKeyMd5"/);
      const noKey = await runS3mpu(base, env);
      assertEquals(noKey.code, 2, noKey.stderr);
      assertMatch(noKey.stderr, /encrypted with a customer key \(SSE-C\).*pass the same key again/);
      const resumed = await runS3mpu([...base, ...sseC], env);
      assertEquals(resumed.code, 0, resumed.stderr);
      const c = await readBack(ref, "sse-bucket", "c.bin", {
        caFile: certs.caFile,
        sseCustomerKeyFile: keyFile,
      });
      assertEquals(c.sha256, stores.sha256Hex(file.bytes));
      assertEquals(c.head.SSECustomerAlgorithm, "AES256");
      assertOk(c.getWithoutKeyError, "a GET without the key is refused");
      // verify reads an SSE-C object with its key. MinIO keeps no checksum of an SSE-C object
      // and its ETag is no MD5, so only --download can decide (exit 5 says so otherwise).
      const byHead = await runS3mpu(["verify", file.path, "s3://sse-bucket/c.bin", ...sseC], env);
      assertOk([0, 5].includes(byHead.code), `${byHead.code}: ${byHead.stdout}${byHead.stderr}`);
      const byDownload = await runS3mpu(
        ["verify", file.path, "s3://sse-bucket/c.bin", ...sseC, "--download"],
        env,
      );
      assertEquals(byDownload.code, 0, byDownload.stdout + byDownload.stderr);
      const verifyNoKey = await runS3mpu(["verify", file.path, "s3://sse-bucket/c.bin"], env);
      assertOk(verifyNoKey.code !== 0, "verify without the key cannot read the object");

      // The SSE-KMS run takes its credentials, endpoint and CA bundle from a shared-config
      // profile (endpoint_url, ca_bundle), not from the environment.
      const config = `${dir}/aws-config`;
      await Deno.writeTextFile(
        config,
        `[profile tls]\nregion = us-east-1\nendpoint_url = ${server.url}\nca_bundle = ${certs.caFile}\naws_access_key_id = ${server.accessKeyId}\naws_secret_access_key = ${server.secretAccessKey}\n`,
      );
      const profileEnv = {
        AWS_CA_BUNDLE: "", // this machine's own must not win over the profile's
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: `${dir}/none`,
      };
      for (
        const [name, args, expected, runEnv] of [
          ["s3.bin", ["--sse", "AES256"], "AES256", env],
          [
            "kms.bin",
            ["--sse", "aws:kms", "--sse-kms-key-id", "s3mpu-test-key", "--profile", "tls"],
            "aws:kms",
            profileEnv,
          ],
        ] as const
      ) {
        const run = await runS3mpu(
          ["upload", file.path, `s3://sse-bucket/${name}`, "-s", "5MiB", ...args],
          runEnv,
        );
        assertEquals(run.code, 0, run.stderr);
        const stored = await readBack(ref, "sse-bucket", name, { caFile: certs.caFile });
        assertEquals(stored.sha256, stores.sha256Hex(file.bytes));
        assertEquals(stored.head.ServerSideEncryption, expected, name);
      }
      await file.cleanup();
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("object options are checked before anything is sent", async () => {
  const env = stores.serverEnv(moto);
  const file = await randomFile(1024, "x.bin");
  const cases: Array<[string[], RegExp]> = [
    [["--acl", "world"], /--acl takes one of private, public-read/],
    [["--sse", "AES128"], /--sse takes one of AES256, aws:kms, aws:kms:dsse/],
    [["--sse-kms-key-id", "k"], /--sse-kms-key-id needs --sse aws:kms/],
    [
      ["--sse-c", "AES256", "--sse-c-key", "0123456789abcdef0123456789abcdef"],
      /leaks into shell history/,
    ],
    [["--sse-c", "AES256"], /--sse-c needs the key/],
    [["--tagging", "justtext"], /--tagging takes URL-encoded pairs/],
    [["--metadata", "a b=c"], /--metadata takes k=v,k2=v2/],
    [["--expires", "someday"], /--expires "someday" is not a date/],
    [["--storage-class", "COLD"], /--storage-class takes one of/],
    [["--request-payer", "me"], /--request-payer takes only "requester"/],
    [["--expected-bucket-owner", "alice"], /12-digit AWS account id/],
    [["--limit-rate", "fast"], /--limit-rate takes a size/],
    [
      ["--limit-rate", "1KB"],
      /--limit-rate takes a rate from 8KiB to 100GiB per second; got "1KB"/,
    ],
  ];
  for (const [args, error] of cases) {
    const run = await runS3mpu(["upload", file.path, "s3://no-such-bucket-x/k", ...args], env);
    assertEquals(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assertMatch(run.stderr, error);
    assertEquals(run.stderr.split("\n").filter(Boolean).length, 1, run.stderr);
  }
  // fetch drops Content-Length on streamed bodies, so it cannot pace them.
  const fetchRun = await runS3mpu([
    "upload",
    file.path,
    "s3://no-such-bucket-x/k",
    "--limit-rate",
    "1MiB",
  ], {
    ...env,
    S3MPU_HTTP_HANDLER: "fetch",
  });
  assertEquals(fetchRun.code, 2, fetchRun.stderr);
  assertMatch(fetchRun.stderr, /--limit-rate needs the default node:http transport/);
  await file.cleanup();
});
