/**
 * What proves an uploaded object, through the CLI on MinIO, moto and versitygw, with the stored
 * bytes read back by the reference client: a value the store computed (its FULL_OBJECT or
 * composite checksum, or its MD5 ETag where ETags are MD5s) compared with one computed from
 * the bytes read, else a read-back of the object; never a value the store merely echoes.
 * Also: empty files (one PutObject), and a Complete that may still be running after a kill.
 */
import {
  CompleteMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
} from "@aws-sdk/client-s3";
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { fullObjectChecksum } from "../backends/checksum.ts";
import { collect, MiB, runS3mpu, spawnS3mpu } from "./support/cli.ts";
import type { FaultRule } from "./support/fault_proxy.ts";
import * as stores from "./support/servers.ts";
import { proxyTest, stateOf, uploadArgs, type UploadFixture } from "./support/reliability.ts";
import { describeRun, onlyJson, report } from "./support/run_output.ts";
import { readJournal } from "../src/state/parts_journal.ts";

const SIZE = 11 * MiB + 5; // 3 parts of 5 MiB

/** Every UploadPart body gets one byte flipped on the way (or only each part's first send). */
function damageParts(firstSendOnly = false): FaultRule[] {
  const seen = new Set<string>();
  return [{
    match: {
      operation: "UploadPart",
      test: (url) => {
        const part = url.searchParams.get("partNumber")!;
        if (firstSendOnly && seen.has(part)) return false;
        seen.add(part);
        return true;
      },
    },
    action: { kind: "corrupt_body", atByte: 4000 },
  }];
}

/** SHA-256 (first 12 hex) of the object at the key, or "none". */
async function storedSha(server: stores.TestServer, bucket: string, key: string) {
  const sha = await stores.objectSha256(server, bucket, key).catch(() => "none");
  return sha.slice(0, 12);
}

/** One report line per case: exit code, stored object against the file. */
async function reportCase(
  server: stores.TestServer,
  what: string,
  code: number,
  at: { bucket: string; key: string; bytes: Uint8Array },
): Promise<void> {
  const stored = await storedSha(server, at.bucket, at.key);
  report(
    `${server.name} proof: ${what}: exit ${code}, object ${stored} (file ${
      stores.sha256Hex(at.bytes).slice(0, 12)
    })`,
  );
}

/** The upload of `f` through the proxy with `extra` and --json. */
function upload(
  server: stores.TestServer,
  setup: { bucket: string; f: UploadFixture; proxy: { url: string } },
  key: string,
  extra: string[],
) {
  return runS3mpu(
    uploadArgs(setup.f, setup.bucket, key, [...extra, "--json", "--endpoint-url", setup.proxy.url]),
    stores.serverEnv(server),
  );
}

const moto = stores.testServers().find((s) => s.name === "moto");
const minio = stores.testServers().find((s) => s.name === "minio");

// moto keeps parts damaged on the way (it checks neither Content-MD5 nor trailing checksums):
// whatever the preset, the run must not end in exit 0, and must say what disproved the object.
if (moto) {
  for (
    const [provider, says] of [
      ["aws", /full-object CRC32 .* differs/],
      ["minio", /full-object CRC32 .* differs/],
      ["generic", /read back: part 1, 2, 3 differ/],
    ] as const
  ) {
    proxyTest(
      moto,
      `--provider ${provider}: every part damaged on the way is exit 4, not 0`,
      SIZE,
      async (setup) => {
        setup.proxy.setRules(damageParts());
        const run = await upload(moto, setup, "bad.bin", [
          "--provider",
          provider,
          "--retries",
          "2",
        ]);
        await reportCase(moto, `--provider ${provider}, every part damaged`, run.code, {
          ...setup,
          key: "bad.bin",
          bytes: setup.f.bytes,
        });
        assertEquals(run.code, 4, describeRun(run));
        assertEquals((onlyJson(run).error as { code: string }).code, "not_proved");
        assertMatch(run.stderr, /not proved to hold the bytes sent/);
        assertMatch(run.stderr, says);
        assertOk(await stateOf(setup.f), "state kept");
      },
    );
  }

  proxyTest(
    moto,
    "--provider generic: no independent value, so the object is read back (one GET per part)",
    SIZE,
    async (setup) => {
      const run = await upload(moto, setup, "rb.bin", ["--provider", "generic"]);
      await reportCase(moto, "--provider generic, read back", run.code, {
        ...setup,
        key: "rb.bin",
        bytes: setup.f.bytes,
      });
      assertEquals(run.code, 0, describeRun(run));
      assertEquals(onlyJson(run).proof, "read-back");
      assertEquals(setup.proxy.stats.byOperation.GetObject, 3, "one ranged GET per part");
      assertMatch(run.stderr, /proved by reading it back/);
      await stores.assertStoredWhole(moto, setup.bucket, "rb.bin", setup.f.bytes);
    },
  );

  proxyTest(
    moto,
    "--no-read-back: exit 0 with the object named NOT proved",
    SIZE,
    async (setup) => {
      const run = await upload(moto, setup, "nrb.bin", ["--provider", "generic", "--no-read-back"]);
      assertEquals(run.code, 0, describeRun(run));
      assertEquals(onlyJson(run).proof, "none");
      assertEquals(setup.proxy.stats.byOperation.GetObject ?? 0, 0, "nothing read back");
      assertMatch(run.stderr, /NOT proved \(--no-read-back\)/);
      await stores.assertStoredWhole(moto, setup.bucket, "nrb.bin", setup.f.bytes);
    },
  );
}

// MinIO refuses damaged parts where a checksum goes with them (the minio preset): each is sent
// again, and the object is proved. The generic preset reads each part once and sends no
// checksum header, so the store keeps damaged parts; the read-back then names them: exit 4,
// never 0.
if (minio) {
  for (const [provider, proof] of [["minio", "full-object-crc32"]] as const) {
    proxyTest(
      minio,
      `--provider ${provider}: damaged parts are refused and sent again; proved by ${proof}`,
      SIZE,
      async (setup) => {
        setup.proxy.setRules(damageParts(true));
        const run = await upload(minio, setup, "fix.bin", ["--provider", provider]);
        await reportCase(minio, `--provider ${provider}, each part damaged once`, run.code, {
          ...setup,
          key: "fix.bin",
          bytes: setup.f.bytes,
        });
        assertEquals(run.code, 0, describeRun(run));
        assertEquals(setup.proxy.stats.injected.corrupt_body, 3);
        assertEquals(onlyJson(run).proof, proof);
        await stores.assertStoredWhole(minio, setup.bucket, "fix.bin", setup.f.bytes);
      },
    );
  }
  proxyTest(
    minio,
    "--provider generic: parts damaged on the way are found by the read-back (exit 4), then --restart stores the bytes",
    SIZE,
    async (setup) => {
      setup.proxy.setRules(damageParts(true));
      const run = await upload(minio, setup, "fix.bin", ["--provider", "generic"]);
      assertEquals(run.code, 4, describeRun(run));
      assertMatch(run.stderr, /read back: part 1, 2, 3 differ from the bytes sent/);
      setup.proxy.setRules([]);
      const again = await upload(minio, setup, "fix.bin", ["--provider", "generic", "--restart"]);
      assertEquals(again.code, 0, describeRun(again));
      assertEquals(onlyJson(again).proof, "read-back");
      await stores.assertStoredWhole(minio, setup.bucket, "fix.bin", setup.f.bytes);
    },
  );
}

// The proof each preset's objects get on a healthy store, named in --json and the last line.
for (const server of stores.testServers()) {
  const own = server.name === "minio" ? "minio" : "aws";
  const cases: Array<[string[], string, RegExp]> = [
    [["--provider", own], "full-object-crc32", /proved by its full-object CRC32/],
    [["--provider", own, "--checksum-algorithm", "md5"], "multipart-etag", /multipart ETag/],
    [["--provider", own, "--checksum-algorithm", "sha256"], "composite-checksum", /composite/],
  ];
  for (const [extra, proof, says] of cases) {
    proxyTest(
      server,
      `${extra.join(" ")}: proved by ${proof}, nothing read back`,
      SIZE,
      async (setup) => {
        const run = await upload(server, setup, "p.bin", extra);
        assertEquals(run.code, 0, describeRun(run));
        assertEquals(onlyJson(run).proof, proof);
        assertMatch(run.stderr, says);
        assertEquals(setup.proxy.stats.byOperation.GetObject ?? 0, 0, "no read-back");
        assertEquals(setup.proxy.stats.byOperation.HeadObject, 1, "one HeadObject");
        await stores.assertStoredWhole(server, setup.bucket, "p.bin", setup.f.bytes);
      },
    );
  }
}

// An empty file is one PutObject, proved like any other object; no state files stay behind.
for (const server of stores.storeServers()) {
  for (const provider of [server.name === "minio" ? "minio" : "aws", "generic"]) {
    Deno.test(`${server.name}: an empty file (--provider ${provider}) is uploaded and proved`, async () => {
      const bucket = await stores.createTestBucket(server);
      const dir = await Deno.makeTempDir({ prefix: "s3mpu-empty-" });
      try {
        await Deno.writeFile(`${dir}/empty.bin`, new Uint8Array(0));
        const run = await runS3mpu([
          "upload",
          ...[`${dir}/empty.bin`, `s3://${bucket}/e/`, "--provider", provider, "--json"],
        ], stores.serverEnv(server));
        await reportCase(server, `empty file, --provider ${provider}`, run.code, {
          bucket,
          key: "e/empty.bin",
          bytes: new Uint8Array(0),
        });
        assertEquals(run.code, 0, describeRun(run));
        const json = onlyJson(run);
        assertEquals([json.uploadId, json.size, json.parts, json.partsUploaded], [null, 0, 0, 0]);
        assertOk(json.proof !== "none", `proved: ${json.proof}`);
        using client = stores.referenceClient(server);
        const head = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: "e/empty.bin" }),
        );
        assertEquals(head.ContentLength, 0);
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "e/empty.bin" }));
        assertEquals((await got.Body!.transformToByteArray()).length, 0);
        await stores.assertStoredWhole(server, bucket, "e/empty.bin", new Uint8Array(0));
        const left = [];
        for await (const entry of Deno.readDir(dir)) left.push(entry.name);
        assertEquals(left, ["empty.bin"], "no state files left");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
}

// A run killed during Complete: the server may still be completing when the next run starts
// (moto then lists the upload as gone before the object is there). The next run looks again
// for a while and finishes, instead of advising --restart (which would send every part again).
for (const server of stores.testServers()) {
  const provider = server.name === "minio" ? "minio" : "aws";
  proxyTest(
    server,
    "a Complete still running after a kill: the next run waits for it and exits 0",
    SIZE,
    async (setup) => {
      const { bucket, f, proxy } = setup;
      const env = stores.serverEnv(server);
      const args = uploadArgs(f, bucket, "late.bin", [
        "--provider",
        provider,
        "--endpoint-url",
        proxy.url,
      ]);
      // The first run's Complete reaches the proxy and goes no further; the run is killed there.
      proxy.setRules([{
        match: { operation: "CompleteMultipartUpload" },
        action: { kind: "stall" },
      }]);
      const child = spawnS3mpu(args, env);
      const deadline = Date.now() + 30_000;
      while (!proxy.stats.byOperation.CompleteMultipartUpload && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill("SIGKILL");
      assertEquals((await collect(child)).code, 137);
      const state = await stateOf(f);
      assertOk(state?.meta.completing, "the completing marker is set");
      // Meanwhile on the server: the upload is no longer listed, the object not there yet; the
      // killed run's Complete finishes about 2 s later.
      proxy.setRules([
        { match: { operation: "ListParts" }, action: { kind: "status", status: 404 } },
        {
          match: { operation: "HeadObject" },
          nth: 1,
          times: 2,
          action: { kind: "status", status: 404 },
        },
      ]);
      const second = spawnS3mpu([...args, "-v"], env);
      await new Promise((r) => setTimeout(r, 2_000));
      await completeAsTheKilledRun(server, bucket, "late.bin", f, state!.meta.uploadId);
      const run = await collect(second);
      await reportCase(server, "Complete still running after a kill", run.code, {
        bucket,
        key: "late.bin",
        bytes: f.bytes,
      });
      assertEquals(run.code, 0, describeRun(run));
      assertMatch(run.stderr, /looking again in [\d.]+ s/);
      await stores.assertStoredWhole(server, bucket, "late.bin", f.bytes);
      assertEquals(await stateOf(f), undefined, "state files removed");
    },
  );
}

/** Completes `uploadId` from its journal as the killed run's Complete would have. */
async function completeAsTheKilledRun(
  server: stores.TestServer,
  bucket: string,
  key: string,
  f: UploadFixture,
  uploadId: string,
): Promise<void> {
  const parts = [...(await readJournal(f.parts, uploadId)).parts.values()]
    .sort((a, b) => a.partNumber - b.partNumber);
  using client = stores.referenceClient(server);
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      ChecksumType: "FULL_OBJECT",
      ChecksumCRC32: fullObjectChecksum(
        "crc32",
        parts.map((p) => ({ checksum: p.checksum!, size: p.size! })),
      ),
      MultipartUpload: {
        Parts: parts.map((p) => ({
          PartNumber: p.partNumber,
          ETag: `"${p.eTag}"`,
          ChecksumCRC32: p.checksum,
        })),
      },
    }),
  );
}
