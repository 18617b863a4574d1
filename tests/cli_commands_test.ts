/**
 * The operator commands end to end: status, abort, list and verify (and upload's --json),
 * run as `deno run -A main.ts …` against real MinIO and moto, checked with an independent
 * S3 client.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { StateLock } from "../src/state/state_lock.ts";
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import {
  collect,
  exists,
  killAfterParts,
  MiB,
  randomFile,
  runS3mpu,
  spawnS3mpu,
  waitForLines,
} from "./support/cli.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { describeRun, onlyJson } from "./support/run_output.ts";
import * as stores from "./support/servers.ts";

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);
  // moto is AWS's emulator; MinIO has its own preset (24 h purge window).
  const provider = server.name === "minio" ? "minio" : "aws";

  Deno.test(`${server.name}: status of an upload killed with SIGKILL, then abort cleans up`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(60 * MiB + 3);
    const meta = `${file.dir}/state.json`;
    const parts = `${file.dir}/parts.jsonl`;
    const killed = await killAfterParts(
      [
        "upload",
        ...["-b", bucket, "-k", "killed.bin", "-f", file.path, "-m", meta, "-a", parts],
        ...["-s", "5MiB", "-t", "1", "--provider", provider],
      ],
      env,
      parts,
      3,
    );
    assertEquals(killed.run.code, 137);
    const journaled = (await Deno.readTextFile(parts)).trim().split("\n").length;
    using client = stores.referenceClient(server);
    const [open] = await stores.listOpenUploads(server, bucket);
    const listed = await client.send(
      new ListPartsCommand({ Bucket: bucket, Key: "killed.bin", UploadId: open.uploadId }),
    );
    const onServer = listed.Parts?.length ?? 0;
    const serverBytes = (listed.Parts ?? []).reduce((n, p) => n + (p.Size ?? 0), 0);

    const run = await runS3mpu(["status", "-m", meta, "-a", parts, "--json"], env);
    assertEquals(run.code, 0, run.stderr);
    const status = onlyJson(run);
    assertEquals(status.state, "uploading");
    assertEquals(status.uploadId, open.uploadId);
    assertEquals([status.totalParts, status.totalBytes], [13, 60 * MiB + 3]);
    assertEquals(status.partsInJournal, journaled);
    assertEquals(status.partsOnServer, onServer);
    assertOk(onServer >= journaled, `${onServer} parts on the server, ${journaled} journaled`);
    assertEquals(status.bytesOnServer, serverBytes);
    assertEquals(status.provider, provider);
    const lastRun = status.lastRun as { parts: number; bytesPerSecond: number };
    assertEquals(lastRun.parts, journaled);
    assertOk(lastRun.bytesPerSecond > 0);
    assertOk((status.ageSeconds as number) < 300);
    if (provider === "minio") {
      assertEquals((status.purge as { level: string }).level, "ok");
    } else assertEquals(status.purge, null);

    const quiet = await runS3mpu(["status", "-m", meta, "-a", parts, "-q"], env);
    assertEquals([quiet.code, quiet.stdout], [0, ""], quiet.stderr);
    const human = await runS3mpu(["status", "-m", meta, "-a", parts], env);
    assertEquals(human.code, 0, human.stderr);
    assertMatch(
      human.stdout,
      new RegExp(`${onServer} of 13 parts on the server, ${journaled} in the journal`),
    );
    assertMatch(human.stdout, /Next: Re-run the same upload command to resume/);

    const aborted = await runS3mpu(["abort", "-m", meta, "-a", parts, "--json"], env);
    assertEquals(aborted.code, 0, aborted.stderr);
    const report = onlyJson(aborted);
    assertEquals(report.uploads, [{ uploadId: open.uploadId, result: "aborted" }]);
    assertEquals(report.removedFiles, [parts, meta]);
    assertEquals(await stores.listOpenUploads(server, bucket), []);
    assertEquals(
      [await exists(meta), await exists(parts), await exists(`${meta}.lock`)],
      [false, false, false],
    );
    await file.cleanup();
  });

  Deno.test(`${server.name}: status counts journal and server apart, warns of the purge window, says gone`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(12 * MiB + 5);
    const key = "data/partial.bin";
    using client = stores.referenceClient(server);
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    );
    const eTags: string[] = [];
    for (const partNumber of [1, 2]) {
      const body = file.bytes.subarray((partNumber - 1) * 5 * MiB, partNumber * 5 * MiB);
      const upload = { bucket, key, uploadId: UploadId! };
      eTags.push(await stores.referenceUploadPart(client, upload, partNumber, body));
    }
    const created = new Date(Date.now() - 20 * 3600_000); // 4 h of MinIO's 24 h left
    const meta = `${file.path}.s3mpu-meta.json`;
    const parts = `${file.path}.s3mpu-parts.jsonl`;
    await Deno.writeTextFile(
      meta,
      JSON.stringify({
        bucket,
        key,
        uploadId: UploadId,
        splitSize: 5 * MiB,
        formatVersion: 1,
        source: { kind: "file", path: file.path, size: file.bytes.length, mtimeMs: 0 },
        partCount: 3,
        checksumAlgorithm: "md5",
        provider,
        endpoint: server.endpoint,
        createdAt: created.toISOString(),
        updatedAt: created.toISOString(),
      }),
    );
    // The journal lacks part 2: a run killed between the upload and the journal line.
    await Deno.writeTextFile(
      parts,
      JSON.stringify({
        eTag: eTags[0],
        partNumber: 1,
        uploadId: UploadId,
        size: 5 * MiB,
        at: new Date(created.getTime() + 2000).toISOString(),
      }) + "\n",
    );

    const run = await runS3mpu(["status", "-f", file.path, "--json"], env);
    assertEquals(run.code, 0, run.stderr);
    const status = onlyJson(run);
    assertEquals(
      [status.totalParts, status.partsOnServer, status.partsInJournal, status.serverOnly],
      [3, 2, 1, [2]],
    );
    assertEquals([status.bytesOnServer, status.bytesInJournal], [10 * MiB, 5 * MiB]);
    const warnings = (status.warnings as string[]).join("\n");
    assertMatch(warnings, /missing from the journal \(2\)/);
    if (provider === "minio") {
      assertEquals((status.purge as { level: string }).level, "near");
      assertMatch(warnings, /left before the store purges this unfinished upload/);
    }

    // A running upload holds the state lock: abort must not touch the upload.
    const lock = await StateLock.acquire(meta);
    const refused = await runS3mpu(["abort", "-f", file.path], env);
    await lock.release();
    assertEquals(refused.code, 2, refused.stderr);
    assertMatch(refused.stderr, /Another s3mpu run \(pid \d+\) is using/);
    assertEquals((await stores.listOpenUploads(server, bucket)).length, 1);
    assertOk(await exists(meta));

    // Gone from the server: status says so, exits 4 and suggests --restart.
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    const gone = await runS3mpu(["status", "-f", file.path], env);
    assertEquals(gone.code, 4, gone.stderr);
    assertMatch(gone.stdout, /gone from the server; 1 of 3 parts journaled/);
    assertMatch(gone.stdout, /NoSuchUpload.*--restart/);
    const goneJson = onlyJson(await runS3mpu(["status", "-f", file.path, "--json"], env));
    assertEquals([goneJson.state, goneJson.partsOnServer], ["gone", null]);

    const cleaned = await runS3mpu(["abort", "-f", file.path], env);
    assertEquals(cleaned.code, 0, cleaned.stderr);
    assertMatch(cleaned.stdout, /was already gone from the server/);
    assertMatch(cleaned.stdout, /Removed the state files/);
    assertEquals([await exists(meta), await exists(parts)], [false, false]);
    await file.cleanup();
  });

  Deno.test(`${server.name}: list shows unfinished uploads; --older-than is a dry run until --yes`, async () => {
    const bucket = await stores.createTestBucket(server);
    using client = stores.referenceClient(server);
    const ids: Record<string, string> = {};
    for (const key of ["orphans/a.bin", "orphans/deep/b.bin", "keep/c.bin"]) {
      const out = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      ids[key] = out.UploadId!;
    }
    const args = ["list", "-b", bucket, "--prefix", "orphans/"];

    const all = onlyJson(await runS3mpu([...args, "--json"], env));
    const uploads = all.uploads as Array<
      { key: string; uploadId: string; initiated: string; ageSeconds: number; selected: boolean }
    >;
    assertEquals(uploads.map((u) => u.key).sort(), ["orphans/a.bin", "orphans/deep/b.bin"]);
    assertEquals(uploads.find((u) => u.key === "orphans/a.bin")?.uploadId, ids["orphans/a.bin"]);
    assertOk(uploads.every((u) => !isNaN(Date.parse(u.initiated)) && u.ageSeconds >= 0));
    // moto reports every upload as initiated on 2010-11-10T20:48:33Z, so its ages are years.
    const motoClock = server.name === "moto";
    if (!motoClock) assertOk(uploads.every((u) => u.ageSeconds < 300));
    assertEquals([all.total, all.selected, all.dryRun], [2, 0, false]);

    const table = await runS3mpu(args, env);
    assertEquals(table.code, 0, table.stderr);
    assertMatch(table.stdout, /^KEY +UPLOAD ID +INITIATED +LAST ACTIVITY +AGE/);
    assertMatch(table.stdout, /2 unfinished uploads in s3:\/\/[^ ]+\/orphans\/\n$/);

    const dry = await runS3mpu([...args, "--older-than", "0s"], env);
    assertEquals(dry.code, 0, dry.stderr);
    assertMatch(dry.stdout, /would abort/);
    assertMatch(dry.stdout, /2 older than 0s would be aborted \(dry run: add --yes/);
    assertEquals(
      (await stores.listOpenUploads(server, bucket)).length,
      3,
      "a dry run aborts nothing",
    );

    const young = onlyJson(await runS3mpu([...args, "--older-than", "1h", "--json"], env));
    assertEquals([young.selected, young.dryRun], [motoClock ? 2 : 0, true]);
    assertEquals((await stores.listOpenUploads(server, bucket)).length, 3);

    const refused = await runS3mpu([...args, "--yes"], env);
    assertEquals(refused.code, 2);
    assertEquals(refused.stdout, "");

    const done = await runS3mpu([...args, "--older-than", "0s", "--yes", "--json"], env);
    assertEquals(done.code, 0, done.stderr);
    const report = onlyJson(done);
    assertEquals([report.selected, report.aborted, report.failed], [2, 2, 0]);
    assertEquals(
      (await stores.listOpenUploads(server, bucket)).map((u) => u.key),
      ["keep/c.bin"],
      "only the selected uploads are aborted",
    );
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: "keep/c.bin",
        UploadId: ids["keep/c.bin"],
      }),
    );
  });

  Deno.test(`${server.name}: list --yes never aborts an upload a running s3mpu drives; it then completes`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(12 * MiB + 7);
    const key = "live/running.bin";
    const parts = `${file.dir}/parts.jsonl`;
    // Part 2 waits in the proxy: the run is alive, its last part is seconds old.
    const proxy = await startFaultProxy({
      target: server.endpoint,
      rules: [{
        match: { operation: "UploadPart" },
        nth: 2,
        action: { kind: "latency", ms: 15_000 },
      }],
    });
    try {
      const child = spawnS3mpu([
        "upload",
        ...["-b", bucket, "-k", key, "-f", file.path, "-m", `${file.dir}/meta.json`, "-a", parts],
        ...["-s", "5MiB", "-t", "1", "--endpoint-url", proxy.url, "--provider", provider],
      ], env);
      await waitForLines(parts, 1);
      await new Promise((r) => setTimeout(r, 2500));
      // The store's own endpoint, not the proxy's: the registry does not depend on its spelling.
      const list = ["list", "-b", bucket, "--prefix", "live/", "--older-than", "2s"];
      const yes = await runS3mpu([...list, "--yes", "--json"], env);
      assertEquals(yes.code, 0, describeRun(yes));
      const report = onlyJson(yes);
      const [row] = report.uploads as Array<Record<string, unknown>>;
      assertEquals(row.inUse, { pid: child.pid });
      assertEquals([row.selected, row.result, row.parts], [false, undefined, 1]);
      assertOk((row.ageSeconds as number) >= 2, `idle for ${row.ageSeconds}s: old enough by age`);
      assertEquals([report.inUse, report.aborted], [1, 0]);
      const dry = await runS3mpu(list, env);
      assertMatch(dry.stdout, new RegExp(`keep: in use by a running s3mpu, pid ${child.pid}\\n`));
      const byId = await runS3mpu(
        ["abort", "-b", bucket, "-k", key, "--upload-id", row.uploadId as string],
        env,
      );
      assertEquals(byId.code, 2, describeRun(byId));
      assertMatch(byId.stderr, new RegExp(`in use by a running s3mpu, pid ${child.pid}; stop`));
      assertEquals((await stores.listOpenUploads(server, bucket)).length, 1, "still open");
      const done = await collect(child);
      assertEquals(done.code, 0, describeRun(done));
      await stores.assertStoredWhole(server, bucket, key, file.bytes);
    } finally {
      await proxy.close();
      await file.cleanup();
    }
  });

  Deno.test(`${server.name}: list shows the initiation and the last activity; age runs from the newest part`, async () => {
    const bucket = await stores.createTestBucket(server);
    using client = stores.referenceClient(server);
    const key = "aged/active.bin";
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    );
    const upload = { bucket, key, uploadId: UploadId! };
    // Initiated 6 s ago (on moto: in 2010), a part just now: not idle for 5 s.
    await new Promise((r) => setTimeout(r, 6000));
    await stores.referenceUploadPart(client, upload, 1, new Uint8Array(5 * MiB));
    const run = await runS3mpu(["list", "-b", bucket, "--older-than", "5s", "--json"], env);
    const [row] = onlyJson(run).uploads as Array<Record<string, unknown>>;
    const initiated = Date.parse(row.initiated as string);
    const last = Date.parse(row.lastActivity as string);
    assertOk(Date.now() - initiated >= 6000, `initiated ${row.initiated}`);
    assertOk(last - initiated >= 5000 && Date.now() - last < 60_000, `last ${row.lastActivity}`);
    assertEquals([row.parts, row.selected, row.inUse], [1, false, null]);
    assertOk((row.ageSeconds as number) < 5, `age ${row.ageSeconds}s, from the part`);
    const table = await runS3mpu(["list", "-b", bucket], env);
    assertMatch(table.stdout, /^KEY +UPLOAD ID +INITIATED +LAST ACTIVITY +AGE\n/);
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
  });

  Deno.test(`${server.name}: -q prints only errors in every command; --json may come before the command`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(6 * MiB);
    const key = "quiet/q.bin";
    const up = await runS3mpu(["-q", "upload", file.path, `s3://${bucket}/${key}`], env);
    assertEquals([up.code, up.stdout, up.stderr], [0, "", ""]);
    await stores.assertStoredWhole(server, bucket, key, file.bytes);
    // The store's own preset: under generic an ETag proves nothing and verify would say 5.
    const preset = server.name === "minio" ? "minio" : "aws";
    const verify = await runS3mpu(
      ["verify", file.path, `s3://${bucket}/${key}`, "-q", "--provider", preset],
      env,
    );
    assertEquals([verify.code, verify.stdout], [0, ""], verify.stderr);
    using client = stores.referenceClient(server);
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    );
    const list = await runS3mpu(["list", `s3://${bucket}`, "-q"], env);
    assertEquals([list.code, list.stdout], [0, ""], list.stderr);
    const json = onlyJson(await runS3mpu(["--json", "-q", "list", `s3://${bucket}`], env));
    assertEquals([json.total, json.bucket], [1, bucket]);
    const abort = await runS3mpu(
      ["abort", `s3://${bucket}/${key}`, "--upload-id", UploadId!, "-q"],
      env,
    );
    assertEquals([abort.code, abort.stdout, abort.stderr], [0, "", ""]);
    assertEquals(await stores.listOpenUploads(server, bucket), [], "aborted");
    await file.cleanup();
  });

  Deno.test(`${server.name}: upload --json has every field; verify proves a match, then a change (1) or undecided (5)`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(12 * MiB + 1000);
    const key = "verify/object.bin";
    const up = await runS3mpu([
      "upload",
      ...["-b", bucket, "-k", key, "-f", file.path, "-s", "5MiB", "--provider", provider],
      "--json",
    ], env);
    assertEquals(up.code, 0, up.stderr);
    const result = onlyJson(up);
    for (
      const field of [
        "bucket",
        "key",
        "uploadId",
        "eTag",
        "versionId",
        "location",
        "size",
        "partSize",
        "parts",
        "partsUploaded",
        "seconds",
        "checksumAlgorithm",
        "proof",
      ]
    ) assertOk(field in result, `upload --json lacks ${field}: ${up.stdout}`);
    assertEquals([result.bucket, result.key, result.size], [bucket, key, file.bytes.length]);
    assertEquals([result.partSize, result.parts], [5 * MiB, 3]);
    assertMatch(String(result.eTag), /^[0-9a-f]{32}-3$/);
    assertEquals(typeof result.seconds, "number");
    assertEquals(result.proof, "full-object-crc32");

    const verify = (extra: string[] = []) =>
      runS3mpu(["verify", "-b", bucket, "-k", key, "-f", file.path, ...extra], env);
    const good = await verify(["--provider", provider, "--json"]);
    assertEquals(good.code, 0, good.stderr);
    const verdict = onlyJson(good);
    // s3mpu stored a FULL_OBJECT CRC32 (aws and minio presets): verify compares it.
    assertEquals([verdict.match, verdict.result, verdict.method], [
      true,
      "same",
      "full-object-checksum",
    ]);
    // Given only the address, verify asks the store what it is, as upload does: on MinIO
    // the minio preset, whose stored checksum proves the match.
    const byAddress = await verify(["--json"]);
    if (server.name === "minio") {
      assertEquals(byAddress.code, 0, byAddress.stderr);
      assertEquals([onlyJson(byAddress).provider, onlyJson(byAddress).result], ["minio", "same"]);
    } else {
      assertOk([0, 5].includes(byAddress.code), byAddress.stderr);
      assertEquals(onlyJson(byAddress).result === "different", false);
    }
    const human = await verify(["--provider", provider]);
    assertEquals(human.code, 0, human.stderr);
    assertMatch(human.stdout, /^Match: s3:\/\/.* has the full-object CRC32 of /);

    // Same size and part layout, different bytes, no stored checksum: the MD5 ETag decides
    // when the part size is known (-s), and verify never says "Match".
    const changed = file.bytes.map((b, i) => (i === 7 * MiB ? b ^ 0xff : b));
    await stores.referenceMultipartUpload(server, bucket, key, [
      changed.subarray(0, 5 * MiB),
      changed.subarray(5 * MiB, 10 * MiB),
      changed.subarray(10 * MiB),
    ]);
    const bad = await verify(["--provider", provider, "-s", "5MiB"]);
    assertEquals(bad.code, 1, bad.stderr);
    assertEquals(bad.stdout.trim().split("\n").length, 1, "one line");
    assertMatch(bad.stdout, /^Mismatch: s3:\/\/.* has the ETag .* with the same part sizes/);
    const guessed = await verify(["--provider", provider, "--json"]);
    assertOk([1, 5].includes(guessed.code), guessed.stderr);
    assertEquals(onlyJson(guessed).match === true, false);

    // A single-part object of the same size: compared by MD5.
    using client = stores.referenceClient(server);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: changed }));
    const single = await verify(["--provider", provider, "--json"]);
    assertEquals(single.code, 1, single.stderr);
    assertEquals(onlyJson(single).method, "md5");
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: file.bytes }));
    assertEquals((await verify(["--provider", provider])).code, 0);

    // Where ETags are not promised as MD5s, a differing ETag proves nothing: undecided (5),
    // and --download settles it.
    await stores.referenceMultipartUpload(server, bucket, key, [
      changed.subarray(0, 5 * MiB),
      changed.subarray(5 * MiB, 10 * MiB),
      changed.subarray(10 * MiB),
    ]);
    const undecided = await verify(["--provider", "generic"]);
    assertEquals(undecided.code, 5, undecided.stderr);
    assertMatch(undecided.stdout, /^Undecided: .*--download/);
    const downloaded = await verify(["--provider", "generic", "--download", "--json"]);
    assertEquals(downloaded.code, 1, downloaded.stderr);
    assertEquals(onlyJson(downloaded).method, "sha256-download");

    const missing = await runS3mpu(
      ["verify", "-b", bucket, "-k", "nope.bin", "-f", file.path, "--json"],
      env,
    );
    assertEquals(missing.code, 1, missing.stderr);
    assertEquals(onlyJson(missing).method, "exists");
    const usage = await runS3mpu(["verify", "-b", bucket, "-k", key, "--json"], env);
    // --json on failure: one error object on stdout (issue 10), the message on stderr too.
    assertEquals(usage.code, 2);
    assertEquals(JSON.parse(usage.stdout).error, {
      code: "usage",
      message: "Missing -f/--file-path: the local file to compare with.",
      exitCode: 2,
      serverCode: null,
    });
    assertMatch(usage.stderr, /Missing -f\/--file-path/);
    await file.cleanup();
  });
}

Deno.test("every command's --help teaches: usage, options, an example", async () => {
  for (const command of ["upload", "status", "abort", "list", "verify"]) {
    const run = await runS3mpu([command, "--help"]);
    assertEquals(run.code, 0, run.stderr);
    assertMatch(run.stdout, new RegExp(`^Usage:\\n  s3mpu ${command} `));
    assertMatch(run.stdout, /\nOptions:\n/);
    assertMatch(run.stdout, /--json/);
    assertMatch(run.stdout, /\nExamples?:\n {2}s3mpu /);
  }
  const main = await runS3mpu(["--help"]);
  for (const command of ["upload", "status", "abort", "list", "verify"]) {
    assertMatch(main.stdout, new RegExp(`\\n  ${command} +\\S`));
  }
});
