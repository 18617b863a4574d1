/**
 * The upload contract, end to end: the CLI against real MinIO and moto over HTTP, the bytes
 * read back with an independent S3 client.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import * as stores from "./support/servers.ts";
import {
  killAfterParts,
  MiB,
  randomBytes,
  randomFile,
  runS3mpu,
  seedUploadArgs,
} from "./support/cli.ts";
import { CreateMultipartUploadCommand } from "@aws-sdk/client-s3";

for (const server of stores.storeServers()) {
  const env = stores.serverEnv(server);

  Deno.test(`${server.name}: a fresh upload stores the exact bytes`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(23 * MiB + 7);
    const run = await runS3mpu([
      "upload",
      "-b",
      bucket,
      "-k",
      "dir/fresh.bin",
      "-f",
      file.path,
      "-s",
      "5MiB",
      "-t",
      "3",
      "--json",
    ], env);
    assertEquals(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assertEquals([result.parts, result.size], [5, 23 * MiB + 7]);
    assertEquals(
      await stores.objectSha256(server, bucket, "dir/fresh.bin"),
      stores.sha256Hex(file.bytes),
    );
    assertMatch(String(await stores.headETag(server, bucket, "dir/fresh.bin")), /-5$/);
    assertEquals(await stores.listOpenUploads(server, bucket), []);
    assertMatch(run.stderr, /Initiating multipart upload in .*source\.bin\.s3mpu-meta\.json\./);
    assertMatch(run.stderr, /Will upload 5 chunks\./);
    const leftovers = [...Deno.readDirSync(file.dir)].map((e) => e.name);
    assertEquals(leftovers, ["source.bin"], "state files removed after success");
    await file.cleanup();
  });

  Deno.test(`${server.name}: killed with SIGKILL mid-upload, the same command resumes`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(120 * MiB + 3);
    const meta = `${file.dir}/state.json`;
    const parts = `${file.dir}/parts.jsonl`;
    const target = { bucket, key: "killed.bin", file: file.path, meta, parts };
    const args = seedUploadArgs(target, "-s", "5MiB", "-t", "2");
    const killed = await killAfterParts(args, env, parts, 3);
    assertEquals(killed.run.code, 137);
    assertOk(killed.journaled >= 3);
    const resumed = await runS3mpu(args, env);
    assertEquals(resumed.code, 0, resumed.stderr);
    const already = Number(/(\d+) parts have already been uploaded\./.exec(resumed.stderr)?.[1]);
    assertOk(already >= 3 && already < 25, `resumed after ${already} parts`);
    assertEquals(
      await stores.objectSha256(server, bucket, "killed.bin"),
      stores.sha256Hex(file.bytes),
    );
    assertMatch(String(await stores.headETag(server, bucket, "killed.bin")), /-25$/);
    assertEquals(await stores.listOpenUploads(server, bucket), []);
    await file.cleanup();
  });

  Deno.test(`${server.name}: state files in the seed's exact format, written by another client, resume`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(17 * MiB + 99);
    const key = "data/input.txt";
    const split = 5 * MiB;
    using client = stores.referenceClient(server);
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
    );
    const lines: string[] = [];
    for (const partNumber of [3, 1]) {
      const body = file.bytes.subarray((partNumber - 1) * split, partNumber * split);
      const upload = { bucket, key, uploadId: UploadId! };
      const eTag = await stores.referenceUploadPart(client, upload, partNumber, body);
      // The seed writes the ETag without quotes, keys in this order, ", " separators.
      lines.push(`{"eTag": "${eTag}", "partNumber": ${partNumber}, "uploadId": "${UploadId}"}`);
    }
    const meta = `${file.dir}/input_meta.json`;
    const parts = `${file.dir}/input_parts.jsonl`;
    await Deno.writeTextFile(
      meta,
      JSON.stringify({ bucket, key, uploadId: UploadId, splitSize: split }, null, 2),
    );
    await Deno.writeTextFile(parts, lines.join("\n") + "\n");
    const run = await runS3mpu(
      seedUploadArgs({ bucket, key, file: file.path, meta, parts }, "-t", "2"),
      env,
    );
    assertEquals(run.code, 0, run.stderr);
    assertMatch(run.stderr, /Continuing multipart upload from .*input_meta\.json\./);
    assertMatch(run.stderr, /2 parts have already been uploaded\./);
    assertMatch(run.stderr, /Will upload 2 chunks\./);
    assertEquals(await stores.objectSha256(server, bucket, key), stores.sha256Hex(file.bytes));
    assertMatch(String(await stores.headETag(server, bucket, key)), /-4$/);
    assertEquals(await stores.listOpenUploads(server, bucket), []);
    await file.cleanup();
  });
}

for (const server of stores.storeServers()) {
  Deno.test(`${server.name}: a directory of pre-split chunks uploads in numeric order and resumes`, async () => {
    const env = stores.serverEnv(server);
    const bucket = await stores.createTestBucket(server);
    const dir = await Deno.makeTempDir({ prefix: "s3mpu-chunks-" });
    // Unpadded names, so name order (1, 10, 11, 12, 2, ...) differs from the numeric order.
    const chunks: Uint8Array[] = [];
    for (let n = 1; n <= 12; n++) {
      const bytes = randomBytes(n === 12 ? 1234 : 5 * MiB);
      chunks.push(bytes);
      await Deno.writeFile(`${dir}/input_data_${n}`, bytes);
    }
    const whole = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((offset, c) => (whole.set(c, offset), offset + c.length), 0);
    const state = `${dir}-state`;
    await Deno.mkdir(state);
    const args = [
      "upload",
      "-b",
      bucket,
      "-k",
      "data/input.txt",
      "-d",
      dir,
      "-p",
      "input_data_",
      "-m",
      `${state}/input_meta.json`,
      "-a",
      `${state}/input_parts.jsonl`,
      "-t",
      "1",
    ];
    const killed = await killAfterParts(args, env, `${state}/input_parts.jsonl`, 3);
    assertEquals(killed.run.code, 137);
    const resumed = await runS3mpu(args, env);
    assertEquals(resumed.code, 0, resumed.stderr);
    assertMatch(resumed.stderr, /Continuing multipart upload/);
    const already = Number(/(\d+) parts have already been uploaded\./.exec(resumed.stderr)?.[1]);
    assertOk(already >= 3 && already < 12, `resumed after ${already} parts`);
    assertEquals(
      await stores.objectSha256(server, bucket, "data/input.txt"),
      stores.sha256Hex(whole),
    );
    assertMatch(String(await stores.headETag(server, bucket, "data/input.txt")), /-12$/);
    assertEquals(await stores.listOpenUploads(server, bucket), []);
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(state, { recursive: true });
  });
}
