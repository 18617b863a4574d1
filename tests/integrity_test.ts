/**
 * Exit 0 means the exact bytes are stored, proved on MinIO and moto through the CLI: each
 * way today's runs could end "done" with an object that is not the file, with the server's
 * answers bent by the fault proxy where needed, and the stored bytes read back with another
 * client.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import zlib from "node:zlib";
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { type FaultProxy, type FaultRule, startFaultProxy } from "./support/fault_proxy.ts";
import { collect, MiB, runS3mpu, spawnS3mpu } from "./support/cli.ts";
import { appendZeros, overwriteAt } from "../src/testing/files.ts";
import * as stores from "./support/servers.ts";
import {
  answer,
  fixture,
  objectOrUndefined,
  reportStored,
  stateOf,
  uploadArgs,
  type UploadFixture,
  uploadsWhole,
} from "./support/reliability.ts";
import { describeRun, report } from "./support/run_output.ts";

const SIZE = 11 * MiB + 999; // 3 parts of 5 MiB
const crc32 = (zlib as unknown as { crc32(data: Uint8Array): number }).crc32;

function crc32Base64(bytes: Uint8Array): string {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, crc32(bytes) >>> 0);
  return btoa(String.fromCharCode(...out));
}

/** One report line: the case, the exit code, and what the key holds against the file. */
const reportCase = (
  server: stores.TestServer,
  what: string,
  code: number,
  at: { bucket: string; key: string; file: Uint8Array },
) => reportStored(server, "integrity", what, code, at);

/** Complete answers the proxy sends instead of the server's (the request never reaches it). */
const BENT_COMPLETES: Array<{ name: string; body: string; says: RegExp }> = [
  {
    name: "HTTP 200 whose body is an <Error> (with a trailing newline the SDK misses)",
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>' +
      "<Message>We encountered an internal error. Please try again.</Message></Error>\n\n",
    // The error the body describes is what the retries report (not a parse of it as success).
    says: /\(InternalError\): We encountered an internal error/,
  },
  {
    name: "HTTP 200 with a result but no ETag",
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult>' +
      "<Bucket>b</Bucket><Key>k</Key></CompleteMultipartUploadResult>",
    says: /answer to Complete had no ETag/,
  },
];

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);
  const provider = server.name === "minio" ? "minio" : "aws";

  /**
   * With its faults cleared, `proxy` lets the same upload (`extra` and the proxy's endpoint)
   * finish: exit 0 and the file's bytes stored whole.
   */
  const resumesThrough = async (
    proxy: FaultProxy,
    f: UploadFixture,
    bucket: string,
    key: string,
    extra: string[] = [],
  ) => {
    proxy.setRules([]);
    await uploadsWhole(server, { f, bucket, key }, [...extra, "--endpoint-url", proxy.url], env);
  };

  Deno.test(`${server.name}: the object carries a FULL_OBJECT CRC32 of the file's bytes`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(SIZE);
    const run = await runS3mpu(uploadArgs(f, bucket, "whole.bin", ["--provider", provider]), env);
    assertEquals(run.code, 0, describeRun(run));
    using client = stores.referenceClient(server);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "whole.bin", ChecksumMode: "ENABLED" }),
    );
    assertEquals([head.ChecksumType, head.ChecksumCRC32], ["FULL_OBJECT", crc32Base64(f.bytes)]);
    assertEquals(await stores.objectSha256(server, bucket, "whole.bin"), stores.sha256Hex(f.bytes));
    await f.cleanup();
  });

  for (const bent of BENT_COMPLETES) {
    Deno.test(`${server.name}: a Complete answered with ${bent.name} is a failure (exit 3), not success`, async () => {
      const bucket = await stores.createTestBucket(server);
      const f = await fixture(SIZE);
      const rule: FaultRule = {
        match: { operation: "CompleteMultipartUpload" },
        action: { kind: "reply", status: 200, body: bent.body },
      };
      const proxy = await startFaultProxy({ target: server.endpoint, rules: [rule] });
      try {
        const args = uploadArgs(f, bucket, "bent.bin", [
          "--provider",
          provider,
          "--retries",
          "2",
          "--endpoint-url",
          proxy.url,
        ]);
        const run = await runS3mpu(args, env);
        await reportCase(server, bent.name, run.code, { bucket, key: "bent.bin", file: f.bytes });
        assertEquals(run.code, 3, describeRun(run));
        assertMatch(run.stderr, bent.says);
        assertEquals(await objectOrUndefined(server, bucket, "bent.bin"), undefined, "no object");
        assertOk(await stateOf(f), "state kept");
        // The run resumes through the same endpoint it began on, now answering truthfully.
        await resumesThrough(proxy, f, bucket, "bent.bin", ["--provider", provider]);
      } finally {
        await proxy.close();
        await f.cleanup();
      }
    });
  }

  Deno.test(`${server.name}: a failed Complete never settles on an older object of the same size and part count`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(SIZE);
    // Different bytes, same size and 3 parts, already at the key.
    const other = f.bytes.map((b, i) => (i === 6 * MiB ? b ^ 1 : b));
    await stores.referenceMultipartUpload(server, bucket, "k.bin", [
      other.subarray(0, 5 * MiB),
      other.subarray(5 * MiB, 10 * MiB),
      other.subarray(10 * MiB),
    ]);
    const rule: FaultRule = {
      match: { operation: "CompleteMultipartUpload" },
      action: { kind: "status", status: 500 },
    };
    const proxy = await startFaultProxy({ target: server.endpoint, rules: [rule] });
    try {
      const run = await runS3mpu(
        uploadArgs(f, bucket, "k.bin", ["--retries", "2", "--endpoint-url", proxy.url]),
        env,
      );
      await reportCase(server, "failed Complete, older look-alike at the key", run.code, {
        bucket,
        key: "k.bin",
        file: f.bytes,
      });
      assertEquals(run.code, 3, describeRun(run));
      assertEquals(
        await stores.objectSha256(server, bucket, "k.bin"),
        stores.sha256Hex(other),
        "untouched",
      );
      assertEquals((await stores.listOpenUploads(server, bucket)).length, 1, "kept for the rerun");
      assertOk(await stateOf(f), "state kept");
      await resumesThrough(proxy, f, bucket, "k.bin");
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });

  Deno.test(`${server.name}: an upload gone on resume does not settle on another object (exit 4)`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(SIZE);
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rules: answer("CompleteMultipartUpload", 500),
    });
    try {
      const first = await runS3mpu(
        uploadArgs(f, bucket, "gone.bin", ["--retries", "1", "--endpoint-url", proxy.url]),
        env,
      );
      assertEquals(first.code, 3, describeRun(first));
    } finally {
      proxy.setRules([]);
    }
    const state = await stateOf(f);
    assertOk(state);
    using client = stores.referenceClient(server);
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: "gone.bin",
        UploadId: state.meta.uploadId,
      }),
    );
    const other = f.bytes.map((b, i) => (i === SIZE - 1 ? b ^ 1 : b));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "gone.bin", Body: other }));
    const run = await runS3mpu(
      uploadArgs(f, bucket, "gone.bin", ["--endpoint-url", proxy.url]),
      env,
    );
    await proxy.close();
    await reportCase(server, "upload gone, look-alike at the key", run.code, {
      bucket,
      key: "gone.bin",
      file: f.bytes,
    });
    assertEquals(run.code, 4, describeRun(run));
    assertMatch(run.stderr, /no object proved to be its result/);
    assertEquals(await stores.objectSha256(server, bucket, "gone.bin"), stores.sha256Hex(other));
    assertOk(await stateOf(f), "state kept");
    await f.cleanup();
  });

  for (
    const [what, change] of [
      [
        "bytes overwritten in a part already sent",
        (path: string) => overwriteAt(path, 100, new Uint8Array([9, 9, 9])),
      ],
      [
        "bytes overwritten in a part not yet sent",
        (path: string) => overwriteAt(path, SIZE - 10, new Uint8Array([9, 9, 9])),
      ],
      ["bytes appended", (path: string) => appendZeros(path, 5)],
    ] as const
  ) {
    Deno.test(`${server.name}: the source changing during the run (${what}) exits 4, nothing completed`, async () => {
      const bucket = await stores.createTestBucket(server);
      const f = await fixture(SIZE);
      // Hold the second part for a while, and change the file meanwhile.
      const proxy = await startFaultProxy({
        target: server.endpoint,
        rules: [{
          match: {
            operation: "UploadPart",
            test: (url) => url.searchParams.get("partNumber") === "2",
          },
          action: { kind: "latency", ms: 1500 },
        }],
      });
      try {
        const child = spawnS3mpu(
          uploadArgs(f, bucket, "moving.bin", ["-t", "1", "--endpoint-url", proxy.url]),
          env,
        );
        const deadline = Date.now() + 30_000;
        while ((proxy.stats.byOperation.UploadPart ?? 0) < 2 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        await change(f.path);
        const run = await collect(child);
        await reportCase(server, `source changed (${what})`, run.code, {
          bucket,
          key: "moving.bin",
          file: f.bytes,
        });
        assertEquals(run.code, 4, describeRun(run));
        assertMatch(run.stderr, /The source changed during the upload/);
        assertEquals(await objectOrUndefined(server, bucket, "moving.bin"), undefined);
        assertOk(await stateOf(f), "state kept");
      } finally {
        await proxy.close();
        await f.cleanup();
      }
    });
  }

  Deno.test(`${server.name}: another client's upload of the key is never aborted by the lost-create check`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(SIZE);
    using client = stores.referenceClient(server);
    // The other client creates an upload of the same key a moment before ours; our first
    // Create's answer is lost, so the run looks for orphans in that window.
    const theirs = (await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "shared.bin" }),
    )).UploadId!;
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rules: [{
        match: { operation: "CreateMultipartUpload" },
        nth: 1,
        action: { kind: "truncate_response" },
      }],
    });
    try {
      const run = await runS3mpu(
        uploadArgs(f, bucket, "shared.bin", ["--endpoint-url", proxy.url]),
        env,
      );
      const openAfter = (await stores.listOpenUploads(server, bucket)).map((u) => u.uploadId);
      report(
        `${server.name} integrity: another client's upload during a lost create: exit ${run.code}, theirs ${
          openAfter.includes(theirs) ? "still open" : "ABORTED"
        }`,
      );
      assertEquals(run.code, 0, describeRun(run));
      assertMatch(run.stderr, /left alone because nothing proves they are this run's/);
      const open = (await stores.listOpenUploads(server, bucket)).map((u) => u.uploadId);
      assertOk(open.includes(theirs), `the other client's upload is still open: ${open}`);
      assertEquals(
        await stores.objectSha256(server, bucket, "shared.bin"),
        stores.sha256Hex(f.bytes),
      );
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });

  Deno.test(`${server.name}: verify proves a flipped byte different where the preset makes values decisive, else says undecided`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(SIZE);
    const flipped = `${f.dir}/flipped.bin`;
    await Deno.writeFile(flipped, f.bytes.map((b, i) => (i === 7 * MiB ? b ^ 0x40 : b)));
    for (const preset of [provider, "generic"]) {
      const key = `verify-${preset}.bin`;
      const up = await runS3mpu([
        "upload",
        ...["-b", bucket, "-k", key, "-f", f.path, "-s", "5MiB", "--provider", preset],
      ], env);
      assertEquals(up.code, 0, describeRun(up));
      const verify = (file: string, extra: string[] = []) =>
        runS3mpu(
          ["verify", "-b", bucket, "-k", key, "-f", file, "--provider", preset, ...extra],
          env,
        );
      // generic: no stored checksum, ETags not promised as MD5s (one may echo the Content-MD5
      // sent) → undecided (5) either way, never 0 or 1 without --download.
      const same = await verify(f.path);
      assertEquals(same.code, preset === "generic" ? 5 : 0, describeRun(same));
      const other = await verify(flipped);
      report(`${server.name} verify --provider ${preset}, flipped byte: exit ${other.code}`);
      assertEquals(other.code, preset === "generic" ? 5 : 1, describeRun(other));
      const downloaded = await verify(flipped, ["--download"]);
      assertEquals(downloaded.code, 1, describeRun(downloaded));
      assertEquals((await verify(f.path, ["--download", "--json"])).code, 0);
    }
    await f.cleanup();
  });
}

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);
  const provider = server.name === "minio" ? "minio" : "aws";
  Deno.test(`${server.name}: --checksum-algorithm crc32c is sent, stored, recorded and kept on resume`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(SIZE);
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rules: answer("CompleteMultipartUpload", 500),
    });
    const args = ["--provider", provider, "--checksum-algorithm", "crc32c"];
    const via = ["--endpoint-url", proxy.url];
    try {
      const first = await runS3mpu(
        uploadArgs(f, bucket, "c.bin", [...args, "--retries", "1", ...via]),
        env,
      );
      assertEquals(first.code, 3, describeRun(first));
      proxy.setRules([]);
      const state = await stateOf(f);
      assertEquals([state?.meta.checksumAlgorithm, state?.meta.checksumType], [
        "crc32c",
        "FULL_OBJECT",
      ]);
      const other = await runS3mpu(
        uploadArgs(f, bucket, "c.bin", [
          ...["--provider", provider, "--checksum-algorithm", "sha256"],
          ...via,
        ]),
        env,
      );
      assertEquals(other.code, 4, describeRun(other));
      assertMatch(other.stderr, /begun with --checksum-algorithm crc32c, not sha256/);
      const resumed = await runS3mpu(
        uploadArgs(f, bucket, "c.bin", ["--provider", provider, ...via]),
        env,
      );
      assertEquals(resumed.code, 0, describeRun(resumed));
    } finally {
      await proxy.close();
    }
    using client = stores.referenceClient(server);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: "c.bin", ChecksumMode: "ENABLED" }),
    );
    assertEquals(head.ChecksumType, "FULL_OBJECT");
    assertOk(head.ChecksumCRC32C, "a CRC32C is stored");
    assertEquals(await stores.objectSha256(server, bucket, "c.bin"), stores.sha256Hex(f.bytes));
    for (
      const [bad, says] of [
        [
          ["--checksum-algorithm", "crc64"],
          /--checksum-algorithm takes crc32, crc32c, sha256, md5/,
        ],
        [
          ["--checksum-algorithm", "crc32", "--provider", "b2", "--endpoint-url", server.endpoint],
          /does not accept x-amz-checksum/,
        ],
      ] as const
    ) {
      const run = await runS3mpu(uploadArgs(f, bucket, "bad.bin", [...bad]), env);
      assertEquals(run.code, 2, describeRun(run));
      assertMatch(run.stderr, says);
    }
    await f.cleanup();
  });
}
