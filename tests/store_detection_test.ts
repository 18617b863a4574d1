/**
 * A store given only by address, without --provider: one HeadBucket asks it what it is (its
 * `Server` header), the preset it names is used and recorded in the meta file, and a resume
 * keeps the recorded one without asking again. Seen through a capturing proxy against every
 * test store: the -v line, the meta file, and the headers of the parts each preset sends.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { readMeta } from "../src/state/meta_file.ts";
import { MiB, runS3mpu } from "./support/cli.ts";
import { type FaultProxy, startFaultProxy } from "./support/fault_proxy.ts";
import { fixture, partsFailFrom, uploadArgs } from "./support/reliability.ts";
import { describeRun } from "./support/run_output.ts";
import {
  assertStoredWhole,
  createTestBucket,
  serverEnv,
  storeServers,
  type TestServer,
} from "./support/servers.ts";

/** What each store says of itself, and the preset that follows. */
const EXPECTED: Record<string, { provider: string; server: RegExp } | undefined> = {
  minio: { provider: "minio", server: /^MinIO$/ },
  versitygw: { provider: "versitygw", server: /^VERSITYGW$/ },
  // moto answers as Werkzeug, its HTTP server: nothing to recognise, so generic.
  moto: { provider: "generic", server: /^Werkzeug\// },
};

/** The store's credentials, with no preset named (S3MPU_PROVIDER empty counts as unset). */
function byAddress(server: TestServer): Record<string, string> {
  return { ...serverEnv(server), S3MPU_PROVIDER: "" };
}

const CHECKSUM_HEADER = /^(x-amz-checksum-|x-amz-trailer$|content-md5$)/;

/** The checksum headers of each UploadPart the proxy saw, sorted. */
function partChecksumHeaders(proxy: FaultProxy): string[][] {
  return proxy.captured.filter((r) => r.operation === "UploadPart").map((r) =>
    Object.keys(r.headers).filter((h) => CHECKSUM_HEADER.test(h)).sort()
  );
}

const count = (proxy: FaultProxy, operation: string) =>
  proxy.captured.filter((r) => r.operation === operation).length;

/** Runs `body` with a bucket, a 16 MiB file (four 5 MiB parts) and a capturing proxy. */
function detectionTest(
  server: TestServer,
  name: string,
  body: (setup: {
    bucket: string;
    f: Awaited<ReturnType<typeof fixture>>;
    proxy: FaultProxy;
  }) => Promise<void>,
): void {
  Deno.test(`${server.name}: ${name}`, async () => {
    const bucket = await createTestBucket(server);
    const f = await fixture(16 * MiB);
    const proxy = await startFaultProxy({ target: server.endpoint, capture: true });
    try {
      await body({ bucket, f, proxy });
    } finally {
      await proxy.close();
      await f.cleanup();
    }
  });
}

for (const server of storeServers()) {
  const expected = EXPECTED[server.name];
  if (!expected) continue;
  const preset = expected.provider;

  detectionTest(
    server,
    `by address, one HeadBucket picks the ${preset} preset; the meta file records it and a resume keeps it`,
    async ({ bucket, f, proxy }) => {
      const args = uploadArgs(f, bucket, "d.bin", [
        ...["-t", "1", "--retries", "1", "-v", "--endpoint-url", proxy.url],
      ]);
      // Parts 3 and 4 fail: the run stops with exit 3 and its state kept.
      proxy.setRules(partsFailFrom(3, { kind: "status", status: 500 }));
      const first = await runS3mpu(args, byAddress(server));
      assertEquals(first.code, 3, describeRun(first));
      assertEquals(count(proxy, "HeadBucket"), 1, "one detection request");
      assertMatch(
        first.stderr,
        preset === "generic"
          ? /The store did not name a known implementation \(HeadBucket: Server: [^)]+\): provider generic/
          : new RegExp(`\\(HeadBucket: Server: [^)]+\\): provider ${preset}, not generic`),
      );
      const meta = await readMeta(f.meta);
      assertOk(meta, "meta file kept");
      assertEquals(meta.provider, preset);
      assertMatch(meta.providerDetected?.server ?? "", expected.server);
      // The path the preset takes: a trailing CRC32 where the store takes one; otherwise no
      // checksum header at all (the MD5 is summed as the part leaves, checked by its ETag).
      const want = preset === "generic" ? [] : ["x-amz-trailer"];
      for (const headers of partChecksumHeaders(proxy)) assertEquals(headers, want);

      proxy.captured.length = 0;
      proxy.setRules([]);
      const second = await runS3mpu(args, byAddress(server));
      assertEquals(second.code, 0, describeRun(second));
      assertEquals(count(proxy, "HeadBucket"), 0, "a resume asks nothing");
      assertMatch(second.stderr, new RegExp(`Provider ${preset}, as recorded in `));
      for (const headers of partChecksumHeaders(proxy)) assertEquals(headers, want);
      await assertStoredWhole(server, bucket, "d.bin", f.bytes);
    },
  );

  detectionTest(server, "--provider given: no HeadBucket", async ({ bucket, f, proxy }) => {
    const run = await runS3mpu(
      uploadArgs(f, bucket, "p.bin", ["--provider", preset, "--endpoint-url", proxy.url]),
      byAddress(server),
    );
    assertEquals(run.code, 0, describeRun(run));
    assertEquals(count(proxy, "HeadBucket"), 0);
    await assertStoredWhole(server, bucket, "p.bin", f.bytes);
  });
}

// A meta file an earlier version wrote for a store by address records `generic`: the resume
// stays generic (the recorded-store check would refuse another preset), and asks nothing.
const minio = storeServers().find((server) => server.name === "minio");
if (minio) {
  detectionTest(
    minio,
    "an upload recorded as generic resumes as generic, without asking the store",
    async ({ bucket, f, proxy }) => {
      const args = (extra: string[]) =>
        uploadArgs(f, bucket, "g.bin", [
          ...["-t", "1", "--retries", "1", "-v", "--endpoint-url", proxy.url, ...extra],
        ]);
      proxy.setRules(partsFailFrom(3, { kind: "status", status: 500 }));
      const first = await runS3mpu(args(["--provider", "generic"]), byAddress(minio));
      assertEquals(first.code, 3, describeRun(first));
      assertEquals((await readMeta(f.meta))?.provider, "generic");
      proxy.captured.length = 0;
      proxy.setRules([]);
      const second = await runS3mpu(args([]), byAddress(minio));
      assertEquals(second.code, 0, describeRun(second));
      assertEquals(count(proxy, "HeadBucket"), 0);
      assertMatch(second.stderr, /Provider generic, as recorded in /);
      for (const headers of partChecksumHeaders(proxy)) assertEquals(headers, []);
      await assertStoredWhole(minio, bucket, "g.bin", f.bytes);
    },
  );
}
