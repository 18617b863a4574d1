/**
 * A stream's object is proved as a file's is, through the CLI on MinIO and moto with the
 * bytes read back by the reference client: the store's FULL_OBJECT CRC32 against the CRC32
 * summed as the stream was read, else a read-back of every part against the journal's values;
 * parts damaged on the way are exit 4, never 0. Also: `status` and `abort` find a stream's
 * state files (`- s3://BUCKET/KEY`, as the upload was typed) and say it is a stream's.
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { base64ToUint32 } from "../backends/checksum.ts";
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { collect, feedS3mpu, MiB, runS3mpu, spawnS3mpuFed, waitForLines } from "./support/cli.ts";
import { damageParts, proxyTest, type ProxyTestSetup } from "./support/reliability.ts";
import { describeRun, onlyJson, report } from "./support/run_output.ts";
import * as stores from "./support/servers.ts";

const SIZE = 11 * MiB + 5; // 3 parts of 5 MiB

/** `upload - s3://bucket/key` of the setup's bytes through its proxy, state in its dir. */
function uploadStream(
  server: stores.TestServer,
  setup: ProxyTestSetup,
  key: string,
  extra: string[],
) {
  return feedS3mpu(
    [
      "upload",
      "-",
      `s3://${setup.bucket}/${key}`,
      "-s",
      "5MiB",
      "--state-dir",
      setup.f.dir,
      "--endpoint-url",
      setup.proxy.url,
      "--json",
      ...extra,
    ],
    stores.serverEnv(server),
    setup.f.bytes,
  );
}

/** The stream state files left in the setup's dir (names only). */
function streamStateFiles(setup: ProxyTestSetup): string[] {
  return [...Deno.readDirSync(setup.f.dir)].map((e) => e.name).filter((n) =>
    n.startsWith("stream-")
  ).sort();
}

const moto = stores.testServers().find((s) => s.name === "moto");
const minio = stores.testServers().find((s) => s.name === "minio");

// moto keeps parts damaged on the way: the stored CRC32, or the read-back, must say so.
if (moto) {
  for (
    const [provider, says] of [
      ["aws", /full-object CRC32 .* differs/],
      ["generic", /read back: part 1, 2, 3 differ/],
    ] as const
  ) {
    proxyTest(
      moto,
      `stream, --provider ${provider}: every part damaged on the way is exit 4, not 0; --restart then stores it`,
      SIZE,
      async (setup) => {
        setup.proxy.setRules(damageParts());
        const run = await uploadStream(moto, setup, "bad.bin", ["--provider", provider]);
        report(`moto stream proof, --provider ${provider}, damaged: exit ${run.code}`);
        assertEquals(run.code, 4, describeRun(run));
        assertEquals((onlyJson(run).error as { code: string }).code, "not_proved");
        assertMatch(run.stderr, says);
        assertEquals(streamStateFiles(setup).length, 2, "state kept");
        setup.proxy.setRules([]);
        const again = await uploadStream(moto, setup, "bad.bin", [
          "--provider",
          provider,
          "--restart",
        ]);
        assertEquals(again.code, 0, describeRun(again));
        assertEquals(onlyJson(again).proof, provider === "aws" ? "full-object-crc32" : "read-back");
        await stores.assertStoredWhole(moto, setup.bucket, "bad.bin", setup.f.bytes);
      },
    );
  }

  proxyTest(
    moto,
    "stream, --provider generic: nothing the store keeps compares, so every part is read back",
    SIZE,
    async (setup) => {
      const run = await uploadStream(moto, setup, "rb.bin", ["--provider", "generic"]);
      assertEquals(run.code, 0, describeRun(run));
      assertEquals(onlyJson(run).proof, "read-back");
      assertEquals(setup.proxy.stats.byOperation.GetObject, 3, "one ranged GET per part");
      assertMatch(run.stderr, /proved by reading it back/);
      await stores.assertStoredWhole(moto, setup.bucket, "rb.bin", setup.f.bytes);
    },
  );
}

if (minio) {
  proxyTest(
    minio,
    "stream: proved by the stored FULL_OBJECT CRC32 against the CRC32 read, nothing read back",
    SIZE,
    async (setup) => {
      const run = await uploadStream(minio, setup, "crc.bin", []);
      assertEquals(run.code, 0, describeRun(run));
      const json = onlyJson(run);
      assertEquals(json.proof, "full-object-crc32");
      assertEquals(setup.proxy.stats.byOperation.GetObject ?? 0, 0, "no read-back");
      using client = stores.referenceClient(minio);
      const head = await client.send(
        new HeadObjectCommand({ Bucket: setup.bucket, Key: "crc.bin", ChecksumMode: "ENABLED" }),
      );
      const read = json.read as { crc32: string };
      const stored = (base64ToUint32(head.ChecksumCRC32 ?? "") >>> 0).toString(16).padStart(8, "0");
      assertEquals(stored, read.crc32, "the store's CRC32 is the one read");
      await stores.assertStoredWhole(minio, setup.bucket, "crc.bin", setup.f.bytes);
    },
  );

  proxyTest(
    minio,
    "status and abort find a stream's state files from `- s3://BUCKET/KEY` and say it is a stream's",
    SIZE + 10 * MiB,
    async (setup) => {
      const env = stores.serverEnv(minio);
      const url = `s3://${setup.bucket}/paused.bin`;
      const where = ["--state-dir", setup.f.dir, "--endpoint-url", setup.proxy.url];
      const { child } = spawnS3mpuFed(
        ["upload", "-", url, "-s", "5MiB", "-t", "1", ...where],
        env,
        setup.f.bytes.subarray(0, 12 * MiB),
        { close: false },
      );
      const [meta] = await waitForFile(setup.f.dir, ".s3mpu-meta.json");
      await waitForLines(`${setup.f.dir}/${meta.replace("-meta.json", "-parts.jsonl")}`, 2);
      child.kill("SIGKILL");
      await collect(child);
      const status = await runS3mpu(["status", "-", url, ...where, "--json"], env);
      assertEquals(status.code, 0, describeRun(status));
      const json = onlyJson(status);
      assertEquals((json.source as { kind: string }).kind, "stream");
      assertEquals(json.totalBytes, null, "a stream's size is unknown until its end");
      assertOk((json.partsOnServer as number) >= 2, describeRun(status));
      const text = await runS3mpu(["status", "-", url, ...where], env);
      assertMatch(text.stdout, /Source: +a stream/);
      assertMatch(text.stdout, /feed the same stream to the same upload command/);
      const aborted = await runS3mpu(["abort", "-", url, ...where], env);
      assertEquals(aborted.code, 0, describeRun(aborted));
      assertMatch(aborted.stdout, /Aborted upload .* of s3:\/\/.*paused\.bin/);
      assertMatch(aborted.stdout, /a stream's upload/);
      assertEquals(streamStateFiles(setup), [], "its state files are removed");
      assertEquals(await stores.listOpenUploads(minio, setup.bucket), [], "aborted on the server");
    },
  );
}

/** The names in `dir` ending in `suffix`, once there is one (the upload made its state). */
async function waitForFile(dir: string, suffix: string): Promise<string[]> {
  for (let i = 0; i < 3000; i++) {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(suffix));
    if (names.length > 0) return names;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no *${suffix} in ${dir}`);
}
