/**
 * Parts streamed from the file (issue 12), through the CLI against MinIO and moto, every
 * object downloaded and compared: several part sizes at -t 1 and -t 16, chunk mode, a retry
 * after a reset mid-part that must read the file again (the file is changed under it, mtime
 * kept, so only a re-read sees the new bytes: the run must stop with exit 4, never store them
 * under the old bytes' checksum), and a file changed between the checksum pass and the send
 * (exit 4, nothing completed, the state kept for --restart).
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { MiB, runS3mpu } from "./support/cli.ts";
import {
  createTestBucket,
  listOpenUploads,
  objectSha256,
  serverEnv,
  sha256Hex,
  testServers,
} from "./support/servers.ts";
import { fixture } from "./support/reliability.ts";
import { describeRun, report, retryLines } from "./support/run_output.ts";
import type { UploadFixture } from "./support/reliability.ts";

function args(f: UploadFixture, bucket: string, key: string, extra: string[]): string[] {
  return ["upload", "-b", bucket, "-k", key, "-f", f.path, "-m", f.meta, "-a", f.parts, ...extra];
}

/**
 * Overwrites `bytes` at `offset` of the file and puts its mtime back, so the run's source
 * check sees the same file: what reaches the server then shows which reads happened after.
 * Synchronous, for the fault proxy's request predicate.
 */
function overwriteKeepingMtime(f: UploadFixture, offset: number, bytes: Uint8Array): void {
  const before = Deno.statSync(f.path);
  const file = Deno.openSync(f.path, { write: true });
  try {
    file.seekSync(offset, Deno.SeekMode.Start);
    file.writeSync(bytes);
  } finally {
    file.close();
  }
  Deno.utimeSync(f.path, before.atime ?? new Date(), before.mtime!);
  f.bytes.set(bytes, offset);
}

const partOf = (url: URL) => Number(url.searchParams.get("partNumber"));

for (const server of testServers()) {
  const env = serverEnv(server);

  for (const [threads, partSize] of [[16, "5MiB"], [1, "8MiB"], [16, "16MiB"]] as const) {
    Deno.test(`${server.name}: streamed parts, -t ${threads} -s ${partSize}: byte-identical`, async () => {
      const bucket = await createTestBucket(server);
      const f = await fixture(21 * MiB + 12_345);
      try {
        const run = await runS3mpu(
          args(f, bucket, "s.bin", ["-t", String(threads), "-s", partSize]),
          env,
        );
        assertEquals(run.code, 0, describeRun(run));
        assertEquals(await objectSha256(server, bucket, "s.bin"), sha256Hex(f.bytes));
        assertEquals(await listOpenUploads(server, bucket), []);
      } finally {
        await f.cleanup();
      }
    });
  }

  Deno.test(`${server.name}: with the fetch handler parts are read whole, byte-identical`, async () => {
    const bucket = await createTestBucket(server);
    const f = await fixture(11 * MiB + 7);
    try {
      const run = await runS3mpu(
        args(f, bucket, "fetch.bin", ["-t", "4", "-s", "5MiB"]),
        { ...env, S3MPU_HTTP_HANDLER: "fetch" },
      );
      assertEquals(run.code, 0, describeRun(run));
      assertEquals(await objectSha256(server, bucket, "fetch.bin"), sha256Hex(f.bytes));
    } finally {
      await f.cleanup();
    }
  });

  Deno.test(`${server.name}: streamed chunks (-d -p) at -t 16: byte-identical`, async () => {
    const bucket = await createTestBucket(server);
    const dir = await Deno.makeTempDir({ prefix: "s3mpu-stream-chunks-" });
    try {
      const chunks = [5 * MiB, 5 * MiB, 5 * MiB, 777].map((size) => {
        const bytes = new Uint8Array(size);
        for (let at = 0; at < size; at += 65536) {
          crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
        }
        return bytes;
      });
      const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      chunks.reduce((at, c) => (whole.set(c, at), at + c.length), 0);
      await Deno.mkdir(`${dir}/in`);
      for (const [i, c] of chunks.entries()) await Deno.writeFile(`${dir}/in/part_${i + 1}`, c);
      const run = await runS3mpu([
        "upload",
        ...["-b", bucket, "-k", "chunks.bin", "-d", `${dir}/in`, "-p", "part_"],
        ...["-m", `${dir}/meta.json`, "-a", `${dir}/parts.jsonl`, "-t", "16"],
      ], env);
      assertEquals(run.code, 0, describeRun(run));
      assertEquals(await objectSha256(server, bucket, "chunks.bin"), sha256Hex(whole));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${server.name}: a reset mid-part is retried, the part read from the file again`, async () => {
    const bucket = await createTestBucket(server);
    const f = await fixture(12 * MiB + 333);
    let reset = false;
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rules: [{
        match: {
          operation: "UploadPart",
          test: (url) => !reset && partOf(url) === 2 && (reset = true),
        },
        action: { kind: "reset_mid_body" },
      }],
    });
    try {
      const run = await runS3mpu(
        args(f, bucket, "reset.bin", ["-t", "2", "-s", "5MiB", "--endpoint-url", proxy.url]),
        env,
      );
      assertEquals(run.code, 0, describeRun(run));
      assertEquals(proxy.stats.injected.reset_mid_body, 1, "resets injected");
      const retries = retryLines(run.stderr);
      assertOk(retries.some((line) => /part 2/.test(line)), run.stderr);
      report(`${server.name} streaming: reset mid-part 2, retries logged ${retries.length}`);
      assertEquals(await objectSha256(server, bucket, "reset.bin"), sha256Hex(f.bytes));
      assertEquals(await listOpenUploads(server, bucket), []);
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });

  Deno.test(`${server.name}: a part whose bytes changed before its retry stops the run (exit 4), nothing stored`, async () => {
    const bucket = await createTestBucket(server);
    const f = await fixture(12 * MiB + 333);
    let changed = false;
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rules: [{
        match: {
          operation: "UploadPart",
          // Part 2's first request: change the start of part 2 on disk, then cut the body.
          test: (url) => {
            if (changed || partOf(url) !== 2) return false;
            overwriteKeepingMtime(f, 5 * MiB, new Uint8Array(4096).fill(0xa5));
            return changed = true;
          },
        },
        action: { kind: "reset_mid_body" },
      }],
    });
    try {
      const run = await runS3mpu(
        args(f, bucket, "reset.bin", ["-t", "2", "-s", "5MiB", "--endpoint-url", proxy.url]),
        env,
      );
      // The retry reads the new bytes, which do not sum to the checksum the part was sent
      // under: the file is being changed, so nothing is completed and the state stays.
      assertEquals(run.code, 4, describeRun(run));
      assertMatch(run.stderr, /part 2's bytes changed between its checksum pass and its send/);
      assertEquals(await objectSha256(server, bucket, "reset.bin").catch(() => "none"), "none");
      assertOk(await Deno.stat(f.meta).then(() => true, () => false), "meta file kept");
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });

  Deno.test(`${server.name}: a part changed between its checksum pass and its send stops the run (exit 4)`, async () => {
    const bucket = await createTestBucket(server);
    // One 24 MiB part: more than loopback's socket buffers hold, so when the request's head
    // (carrying the first pass's checksum) reaches the proxy, the part's end is still unread.
    const f = await fixture(25 * MiB);
    let changed = false;
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rules: [{
        match: {
          operation: "UploadPart",
          test: (url) => {
            if (changed || partOf(url) !== 1) return false;
            overwriteKeepingMtime(f, 24 * MiB - 1000, new Uint8Array(100).fill(0x5a));
            return changed = true;
          },
        },
        action: { kind: "latency", ms: 500 },
      }],
    });
    try {
      const run = await runS3mpu(
        args(f, bucket, "changed.bin", ["-t", "1", "-s", "24MiB", "--endpoint-url", proxy.url]),
        env,
      );
      assertEquals(run.code, 4, describeRun(run));
      assertMatch(run.stderr, /part 1's bytes changed between its checksum pass and its send/);
      assertEquals(await objectSha256(server, bucket, "changed.bin").catch(() => "none"), "none");
      assertEquals(await listOpenUploads(server, bucket).then((u) => u.length), 1, "upload kept");
      assertOk(await Deno.stat(f.meta).then(() => true, () => false), "meta file kept");
      // --restart uploads the file as it is now.
      const again = await runS3mpu(
        args(f, bucket, "changed.bin", ["-t", "1", "-s", "24MiB", "--restart"]),
        env,
      );
      assertEquals(again.code, 0, describeRun(again));
      assertEquals(await objectSha256(server, bucket, "changed.bin"), sha256Hex(f.bytes));
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });

  for (const [part, threads] of [[2, 2], [1, 1]] as const) {
    Deno.test(`${server.name}: a byte flipped on the wire in part ${part} (-t ${threads}) is caught and the part sent again`, async () => {
      const bucket = await createTestBucket(server);
      const f = await fixture(11 * MiB + 5);
      const proxy = await startFaultProxy({
        target: server.endpoint,
        rules: [{
          match: { operation: "UploadPart", test: (url) => partOf(url) === part },
          action: { kind: "corrupt_body", atByte: 4000 },
          nth: 1,
        }],
      });
      try {
        const run = await runS3mpu(
          args(f, bucket, "flip.bin", [
            "-t",
            String(threads),
            "-s",
            "5MiB",
            "--endpoint-url",
            proxy.url,
          ]),
          env,
        );
        assertEquals(run.code, 0, describeRun(run));
        assertEquals(proxy.stats.injected.corrupt_body, 1, "bytes flipped");
        // Refused by the server (retried), or, where the store ignores Content-MD5 (moto), seen
        // by its ETag: at once if another part's ETag already showed MD5s, else before Complete.
        assertMatch(
          run.stderr,
          new RegExp(
            `Retrying part ${part} |ETag of part ${part} is not the MD5 of the bytes sent|ETag for part ${part} is`,
          ),
        );
        report(
          `${server.name} streaming: a flipped byte in part ${part} (-t ${threads}) was caught: ${
            run.stderr.match(/Retrying part \d [^\n]*|The store's ETag of part \d[^:]*/)?.[0]
          }`,
        );
        assertEquals(await objectSha256(server, bucket, "flip.bin"), sha256Hex(f.bytes));
      } finally {
        await proxy.close();
        await f.cleanup();
      }
    });
  }
}

/**
 * MinIO under its preset takes each part's CRC32 after the body (aws-chunked with a trailer),
 * so a streamed part is read from the file once: the requests must say so, the server must
 * still refuse damaged bytes, and the object must be the file.
 */
const minio = testServers().find((server) => server.name === "minio");
if (minio) {
  const env = serverEnv(minio);
  const withPreset = (f: UploadFixture, bucket: string, key: string, extra: string[]) =>
    args(f, bucket, key, ["--provider", "minio", ...extra]);

  for (const [threads, partSize] of [[16, "5MiB"], [1, "8MiB"], [4, "16MiB"]] as const) {
    Deno.test(`minio --provider minio: parts carry a trailing CRC32, -t ${threads} -s ${partSize}, byte-identical`, async () => {
      const bucket = await createTestBucket(minio);
      const f = await fixture(21 * MiB + 12_345);
      const proxy = await startFaultProxy({ target: minio.endpoint, capture: true });
      try {
        const run = await runS3mpu(
          withPreset(f, bucket, "t.bin", [
            ...["-t", String(threads), "-s", partSize, "--endpoint-url", proxy.url],
          ]),
          env,
        );
        assertEquals(run.code, 0, describeRun(run));
        const parts = proxy.captured.filter((r) => r.operation === "UploadPart");
        assertOk(parts.length >= 2, `${parts.length} UploadPart requests`);
        for (const part of parts) {
          assertEquals(part.headers["x-amz-trailer"], "x-amz-checksum-crc32");
          assertEquals(part.headers["content-encoding"], "aws-chunked");
          assertEquals(
            part.headers["x-amz-content-sha256"],
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
          );
          assertEquals(part.headers["x-amz-checksum-crc32"], undefined);
          assertOk(Number(part.headers["x-amz-decoded-content-length"]) > 0);
        }
        assertEquals(await objectSha256(minio, bucket, "t.bin"), sha256Hex(f.bytes));
        assertEquals(await listOpenUploads(minio, bucket), []);
      } finally {
        await proxy.close();
        await f.cleanup();
      }
    });
  }

  Deno.test("minio --provider minio: a byte flipped in a trailer-checked part is refused and sent again", async () => {
    const bucket = await createTestBucket(minio);
    const f = await fixture(11 * MiB + 5);
    const proxy = await startFaultProxy({
      target: minio.endpoint,
      rules: [{
        match: { operation: "UploadPart", test: (url) => partOf(url) === 2 },
        action: { kind: "corrupt_body", atByte: 4000 },
        nth: 1,
      }],
    });
    try {
      const run = await runS3mpu(
        withPreset(f, bucket, "tflip.bin", ["-t", "2", "-s", "5MiB", "--endpoint-url", proxy.url]),
        env,
      );
      assertEquals(run.code, 0, describeRun(run));
      assertEquals(proxy.stats.injected.corrupt_body, 1, "bytes flipped");
      assertMatch(
        retryLines(run.stderr).join("\n"),
        /Retrying part 2 .*\((XAmzContentChecksumMismatch|BadDigest|InvalidDigest)\)/,
      );
      assertEquals(await objectSha256(minio, bucket, "tflip.bin"), sha256Hex(f.bytes));
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });

  Deno.test("minio --provider minio: a reset mid-part with a trailing checksum is retried, byte-identical", async () => {
    const bucket = await createTestBucket(minio);
    const f = await fixture(12 * MiB + 333);
    const proxy = await startFaultProxy({
      target: minio.endpoint,
      rules: [{
        match: { operation: "UploadPart", test: (url) => partOf(url) === 2 },
        action: { kind: "reset_mid_body" },
        nth: 1,
      }],
    });
    try {
      const run = await runS3mpu(
        withPreset(f, bucket, "treset.bin", ["-t", "2", "-s", "5MiB", "--endpoint-url", proxy.url]),
        env,
      );
      assertEquals(run.code, 0, describeRun(run));
      assertEquals(proxy.stats.injected.reset_mid_body, 1, "resets injected");
      assertEquals(await objectSha256(minio, bucket, "treset.bin"), sha256Hex(f.bytes));
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });
}
