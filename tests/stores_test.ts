/**
 * What each S3 implementation must show through the CLI beyond a plain upload: `verify` is
 * honest (0 for the uploaded bytes, non-zero for a file with one flipped byte), and `status`
 * says exactly what the next resume does with parts the server has but the journal lacks.
 * Runs on every configured store (versitygw in CI; SeaweedFS and Garage with
 * scripts/test_more_stores.sh) under the store's own preset.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { ListPartsCommand } from "@aws-sdk/client-s3";
import { getPreset } from "../backends/presets.ts";
import * as stores from "./support/servers.ts";
import { killAfterParts, MiB, randomFile, runS3mpu, seedUploadArgs } from "./support/cli.ts";
import { onlyJson } from "./support/run_output.ts";

/** The preset s3mpu uses for a store here: its own, MinIO's, or none for moto (generic). */
function presetName(server: stores.TestServer): string | undefined {
  return server.provider ?? (server.name === "minio" ? "minio" : undefined);
}

/** Lists the upload's parts until two listings a second apart agree; returns the count. */
async function settledParts(
  server: stores.TestServer,
  bucket: string,
  key: string,
  metaPath: string,
): Promise<number> {
  const { uploadId } = JSON.parse(await Deno.readTextFile(metaPath));
  using client = stores.referenceClient(server);
  const count = async () =>
    (await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId })))
      .Parts?.length ?? 0;
  let last = await count();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await count();
    if (now === last) return now;
    last = now;
  }
  throw new Error(`The parts of ${key} on ${server.name} kept changing for 30 s after the kill.`);
}

for (const server of stores.storeServers()) {
  const provider = presetName(server);
  const env = { ...stores.serverEnv(server), ...(provider ? { S3MPU_PROVIDER: provider } : {}) };

  // Every store, moto under the generic preset too: "same" needs a proof (a stored checksum;
  // the generic preset's ETags are none, as one may echo the Content-MD5 sent: undecided, 5,
  // until --download reads the object), and a flipped byte is never "same" (1, or 5).
  Deno.test({
    name: `${server.name}: verify exits 0 for the uploaded file and non-zero for one flipped byte`,
    async fn() {
      const bucket = await stores.createTestBucket(server);
      const file = await randomFile(12 * MiB + 5);
      const key = "verify/flipped.bin";
      const up = await runS3mpu(["upload", "-b", bucket, "-k", key, "-f", file.path], env);
      assertEquals(up.code, 0, up.stderr);
      assertEquals(await stores.objectSha256(server, bucket, key), stores.sha256Hex(file.bytes));
      const verify = (path: string, extra: string[] = []) =>
        runS3mpu(["verify", "-b", bucket, "-k", key, "-f", path, "--json", ...extra], env);

      const byHead = await verify(file.path);
      assertEquals(byHead.code, provider ? 0 : 5, `${byHead.stdout}\n${byHead.stderr}`);
      const good = await verify(file.path, ["--download"]);
      assertEquals(good.code, 0, `${good.stdout}\n${good.stderr}`);
      assertEquals(onlyJson(good).match, true);

      const flipped = file.bytes.slice();
      flipped[7 * MiB + 3] ^= 0x01;
      const flippedPath = `${file.dir}/flipped.bin`;
      await Deno.writeFile(flippedPath, flipped);
      const bad = await verify(flippedPath);
      assertOk(
        [1, 5].includes(bad.code),
        `a flipped byte must not verify: ${bad.stdout}\n${bad.stderr}`,
      );
      assertOk(onlyJson(bad).match !== true, "never a match");
      await file.cleanup();
    },
  });

  Deno.test(`${server.name}: status says what resume does with parts the journal lacks, and resume does it`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(60 * MiB + 11);
    const meta = `${file.dir}/state.json`;
    const parts = `${file.dir}/parts.jsonl`;
    const key = "agree.bin";
    const args = seedUploadArgs({ bucket, key, file: file.path, meta, parts });
    const killed = await killAfterParts([...args, "-s", "5MiB", "-t", "2"], env, parts, 4);
    assertEquals(killed.run.code, 137);
    // A part whose body was fully sent before the kill may still land on the server: wait
    // until its listing stops changing, so status and resume see the same parts.
    await settledParts(server, bucket, key, meta);
    // As if the kill had landed between a part's upload and its journal line: drop the last.
    const lines = (await Deno.readTextFile(parts)).trimEnd().split("\n");
    await Deno.writeTextFile(parts, lines.slice(0, -1).join("\n") + "\n");

    const statusRun = await runS3mpu(["status", "-m", meta, "-a", parts, "--json"], env);
    assertEquals(statusRun.code, 0, statusRun.stderr);
    const status = onlyJson(statusRun) as {
      partsOnServer: number;
      totalParts: number;
      serverOnly: number[];
      adoptAfterRead: number[];
      journalOnly: number[];
      wrongSize: number[];
      checksumAlgorithm: string;
      warnings: string[];
    };
    assertOk(status.serverOnly.length >= 1, "the dropped line's part is on the server only");
    assertEquals([status.journalOnly, status.wrongSize], [[], []]);
    const omits = provider !== undefined &&
      getPreset(provider).deviations?.listPartsOmitsChecksums === true &&
      status.checksumAlgorithm !== "md5";
    // Where ListParts omits checksums, every such part is read locally; elsewhere recorded.
    assertEquals(status.adoptAfterRead, omits ? status.serverOnly : []);
    assertOk(
      status.warnings.some((w) =>
        w.includes(omits ? "reads them from the file" : "records them from the listing")
      ),
      status.warnings.join("\n"),
    );

    const resumed = await runS3mpu([...args, "-t", "2", "--json"], env);
    assertEquals(resumed.code, 0, resumed.stderr);
    // Resume keeps every part status counted on the server, and sends only the rest.
    assertMatch(
      resumed.stderr,
      new RegExp(`${status.partsOnServer} parts have already been uploaded\\.`),
    );
    assertMatch(
      resumed.stderr,
      new RegExp(`Will upload ${status.totalParts - status.partsOnServer} chunks\\.`),
    );
    assertEquals(onlyJson(resumed).partsUploaded, status.totalParts - status.partsOnServer);
    if (omits) assertMatch(resumed.stderr, /Read \d+ part\(s\) the server has but does not list/);
    await stores.assertStoredWhole(server, bucket, key, file.bytes);
    await file.cleanup();
  });
}
