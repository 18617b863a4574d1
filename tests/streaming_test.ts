/**
 * Parts streamed from the file (issue 12), through the CLI against every test store, each
 * object downloaded and compared: several part sizes and -t, chunk mode, a reset mid-part
 * (the retry reads the file again), a file changed under a part (exit 4, never stored under
 * the old bytes' checksum), and a byte flipped on the wire (refused by the store, or caught
 * by its ETags where it ignores Content-MD5). MinIO's preset adds the trailing-checksum path.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import type { FaultRule } from "./support/fault_proxy.ts";
import { MiB, runS3mpu } from "./support/cli.ts";
import {
  assertStoredWhole,
  createTestBucket,
  listOpenUploads,
  objectSha256,
  serverEnv,
  type TestServer,
  testServers,
} from "./support/servers.ts";
import { fixture, proxyTest, type UploadFixture } from "./support/reliability.ts";
import { describeRun, report } from "./support/run_output.ts";

/** `upload` of `f` to `bucket/key` with its state beside it (no default -s), plus `extra`. */
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

/** A rule acting on the first UploadPart of part `part` (and, with `before`, running it first). */
function onPart(part: number, action: FaultRule["action"], before?: () => void): FaultRule {
  let done = false;
  return {
    match: {
      operation: "UploadPart",
      test: (url) => {
        if (done || partOf(url) !== part) return false;
        before?.();
        return done = true;
      },
    },
    action,
  };
}

/** The key holds nothing. */
async function assertNoObject(server: TestServer, bucket: string, key: string): Promise<void> {
  assertEquals(await objectSha256(server, bucket, key).catch(() => "none"), "none");
}

/** Uploads through the test's proxy with `extra`; asserts exit 0 and the file whole at `key`. */
async function throughProxyWhole(
  server: TestServer,
  setup: { bucket: string; f: UploadFixture; proxy: { url: string } },
  key: string,
  extra: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { bucket, f, proxy } = setup;
  const run = await runS3mpu(
    args(f, bucket, key, [...extra, "--endpoint-url", proxy.url]),
    { ...serverEnv(server), ...env },
  );
  assertEquals(run.code, 0, describeRun(run));
  await assertStoredWhole(server, bucket, key, f.bytes);
  return run.stderr;
}

for (const server of testServers()) {
  const env = serverEnv(server);

  for (const [threads, partSize] of [[16, "5MiB"], [1, "8MiB"], [16, "16MiB"]] as const) {
    proxyTest(
      server,
      `streamed parts, -t ${threads} -s ${partSize}: byte-identical`,
      21 * MiB + 12_345,
      async (setup) => {
        await throughProxyWhole(server, setup, "s.bin", ["-t", String(threads), "-s", partSize]);
      },
    );
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
      await assertStoredWhole(server, bucket, "fetch.bin", f.bytes);
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
      await assertStoredWhole(server, bucket, "chunks.bin", whole);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  proxyTest(
    server,
    "a reset mid-part is retried, the part read from the file again",
    12 * MiB + 333,
    async (setup) => {
      setup.proxy.setRules([onPart(2, { kind: "reset_mid_body" })]);
      const stderr = await throughProxyWhole(server, setup, "reset.bin", ["-t", "2", "-s", "5MiB"]);
      assertEquals(setup.proxy.stats.injected.reset_mid_body, 1, "resets injected");
      assertMatch(stderr, /Retrying part 2 /);
    },
  );

  // A file changed under a part, its mtime kept, where a first pass sums the part for its
  // header (Content-MD5 under the wasabi preset): the part's handle is no longer proved (its
  // change time moved), or the send's bytes no longer sum to the checksum the part went out
  // under; either way the run stops (exit 4) with nothing completed, and --restart uploads the
  // file as it is now. (Presets that read a part once have no first pass to disagree with.)
  const headerPass = ["--provider", "wasabi"];
  const changes = [{
    name: "a part whose bytes changed before its retry (after a reset)",
    size: 12 * MiB + 333,
    part: 2,
    action: { kind: "reset_mid_body" },
    at: 5 * MiB,
    split: ["-t", "2", "-s", "5MiB", ...headerPass],
  }, {
    // One 24 MiB part: more than loopback's socket buffers hold, so when the request's head
    // (carrying the first pass's checksum) reaches the proxy, the part's end is still unread.
    name: "a part changed between its checksum pass and its send",
    size: 25 * MiB,
    part: 1,
    action: { kind: "latency", ms: 500 },
    at: 24 * MiB - 1000,
    split: ["-t", "1", "-s", "24MiB", ...headerPass],
  }] as const;
  for (const change of changes) {
    proxyTest(server, `${change.name} stops the run (exit 4)`, change.size, async (setup) => {
      const { bucket, f, proxy } = setup;
      const changeBytes = () => overwriteKeepingMtime(f, change.at, new Uint8Array(100).fill(0x5a));
      proxy.setRules([onPart(change.part, change.action, changeBytes)]);
      const run = await runS3mpu(
        args(f, bucket, "changed.bin", [...change.split, "--endpoint-url", proxy.url]),
        env,
      );
      assertEquals(run.code, 4, describeRun(run));
      assertMatch(
        run.stderr,
        new RegExp(
          `part ${change.part}'s bytes changed between its checksum pass and its send|source\\.bin: its change time moved`,
        ),
      );
      await assertNoObject(server, bucket, "changed.bin");
      assertEquals((await listOpenUploads(server, bucket)).length, 1, "upload kept");
      assertOk(await Deno.stat(f.meta).then(() => true, () => false), "meta file kept");
      await throughProxyWhole(server, setup, "changed.bin", [...change.split, "--restart"]);
    });
  }

  // As on plain HTTP to another host: each chunk of a part signed (STREAMING-AWS4-HMAC-SHA256-
  // PAYLOAD), chained from the request's signature; the server checks every chunk.
  const signed = { S3MPU_TEST_SIGN_PAYLOAD: "1" };
  proxyTest(
    server,
    "a signed payload goes chunk-signed, byte-identical",
    11 * MiB + 5,
    async (setup) => {
      const seen: (string | null)[] = [];
      setup.proxy.setRules([{
        match: {
          operation: "UploadPart",
          test: (_url, headers) => !seen.push(headers.get("x-amz-content-sha256")),
        },
        action: { kind: "pass" },
      }]);
      await throughProxyWhole(server, setup, "signed.bin", ["-t", "2", "-s", "5MiB"], signed);
      assertEquals(seen, Array(3).fill("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"));
    },
  );

  proxyTest(
    server,
    "a byte flipped in a chunk-signed part is caught and the part sent again",
    11 * MiB + 5,
    async (setup) => {
      setup.proxy.setRules([onPart(2, { kind: "corrupt_body", atByte: 4000 })]);
      const stderr = await throughProxyWhole(
        server,
        setup,
        "sflip.bin",
        ["-t", "2", "-s", "5MiB"],
        signed,
      );
      assertEquals(setup.proxy.stats.injected.corrupt_body, 1, "bytes flipped");
      const caught = stderr.match(
        /Retrying part 2 [^\n]*|The store's ETag of part 2 is not the MD5[^:]*/,
      );
      assertOk(caught, stderr);
      report(
        `${server.name} streaming: a byte flipped in a chunk-signed part 2 was caught: ${
          caught[0]
        }`,
      );
    },
  );

  for (const [part, threads] of [[2, 2], [1, 1]] as const) {
    proxyTest(
      server,
      `a byte flipped on the wire in part ${part} (-t ${threads}) is caught and the part sent again`,
      11 * MiB + 5,
      async (setup) => {
        setup.proxy.setRules([onPart(part, { kind: "corrupt_body", atByte: 4000 })]);
        const stderr = await throughProxyWhole(server, setup, "flip.bin", [
          ...["-t", String(threads), "-s", "5MiB"],
        ]);
        assertEquals(setup.proxy.stats.injected.corrupt_body, 1, "bytes flipped");
        // Refused by the server (retried), or, where the store ignores Content-MD5 (moto), seen
        // by its ETag before Complete (the other parts' ETags showed they are MD5s).
        const caught = stderr.match(
          new RegExp(
            `Retrying part ${part} [^\\n]*|The store's ETag of part ${part} is not the MD5[^:]*`,
          ),
        );
        assertOk(caught, stderr);
        report(`${server.name} streaming: a byte flipped in part ${part} was caught: ${caught[0]}`);
      },
    );
  }
}

// moto ignores Content-MD5: a part damaged on every send is re-sent once, then the object's
// ETag proves other bytes: exit 4, state kept, never exit 0.
const moto = testServers().find((server) => server.name === "moto");
if (moto) {
  // By address moto gets the generic preset: parts carry no checksum header, each read once
  // with its MD5 summed as it leaves. moto checks nothing; the damaged part's ETag (the MD5 of
  // what moto received) is not the MD5 sent, so it is sent again before Complete.
  proxyTest(
    moto,
    "a part sent without Content-MD5 and damaged on the way is caught by its ETag and sent again",
    16 * MiB,
    async (setup) => {
      const seen: Headers[] = [];
      setup.proxy.setRules([
        onPart(3, { kind: "corrupt_body", atByte: 4000 }),
        // Sees every UploadPart (each rule's test runs for every request) and never fires.
        {
          match: { operation: "UploadPart", test: (_url, headers) => !seen.push(headers) },
          action: { kind: "pass" },
        },
      ]);
      const stderr = await throughProxyWhole(moto, setup, "etag.bin", ["-t", "2", "-s", "5MiB"]);
      assertEquals(setup.proxy.stats.injected.corrupt_body, 1, "bytes flipped");
      assertMatch(stderr, /The store's ETag of part 3 is not the MD5 of the bytes sent/);
      // Four parts and the damaged one again; none carried a checksum header.
      assertEquals(seen.length, 5, "UploadPart requests");
      for (const headers of seen) {
        assertEquals(headers.get("content-md5"), null);
        assertEquals(headers.get("x-amz-trailer"), null);
        assertEquals([...headers.keys()].filter((h) => h.startsWith("x-amz-checksum-")), []);
      }
    },
  );

  proxyTest(
    moto,
    "a part damaged on every send ends in exit 4, not exit 0",
    11 * MiB + 5,
    async ({ bucket, f, proxy }) => {
      proxy.setRules([{
        match: { operation: "UploadPart", test: (url) => partOf(url) === 2 },
        action: { kind: "corrupt_body", atByte: 4000 },
      }]);
      const run = await runS3mpu(
        args(f, bucket, "bad.bin", ["-t", "1", "-s", "5MiB", "--endpoint-url", proxy.url]),
        serverEnv(moto),
      );
      assertEquals(run.code, 4, describeRun(run));
      assertEquals(proxy.stats.injected.corrupt_body, 2, "part 2 sent, then sent again once");
      assertMatch(run.stderr, /not proved to hold the bytes sent/);
      assertOk(await Deno.stat(f.meta).then(() => true, () => false), "meta file kept");
    },
  );
}

/**
 * MinIO under its preset takes each part's CRC32 after the body (aws-chunked with a trailer),
 * so a streamed part is read from the file once: the requests must say so, the server must
 * still refuse damaged bytes, and the object must be the file.
 */
const minio = testServers().find((server) => server.name === "minio");
if (minio) {
  const preset = ["--provider", "minio", "-s", "5MiB"];

  for (const threads of [16, 1]) {
    proxyTest(
      minio,
      `--provider minio: parts carry a trailing CRC32 (-t ${threads}), byte-identical`,
      21 * MiB + 12_345,
      async (setup) => {
        const captured: Headers[] = [];
        setup.proxy.setRules([{
          match: { operation: "UploadPart", test: (_url, headers) => !captured.push(headers) },
          action: { kind: "pass" },
        }]);
        await throughProxyWhole(minio, setup, "t.bin", [...preset, "-t", String(threads)]);
        assertEquals(captured.length, 5, "UploadPart requests");
        for (const headers of captured) {
          assertEquals(headers.get("x-amz-trailer"), "x-amz-checksum-crc32");
          assertEquals(headers.get("content-encoding"), "aws-chunked");
          assertEquals(headers.get("x-amz-content-sha256"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER");
          assertEquals(headers.get("x-amz-checksum-crc32"), null);
          assertOk(Number(headers.get("x-amz-decoded-content-length")) > 0);
        }
      },
    );
  }

  for (
    const action of [{ kind: "corrupt_body", atByte: 4000 }, { kind: "reset_mid_body" }] as const
  ) {
    proxyTest(
      minio,
      `--provider minio: ${action.kind} in a trailer-checked part is retried, byte-identical`,
      11 * MiB + 5,
      async (setup) => {
        setup.proxy.setRules([onPart(2, action)]);
        const stderr = await throughProxyWhole(minio, setup, "tflip.bin", [...preset, "-t", "2"]);
        assertEquals(setup.proxy.stats.injected[action.kind], 1, "faults injected");
        assertMatch(stderr, /Retrying part 2 /);
      },
    );
  }
}
