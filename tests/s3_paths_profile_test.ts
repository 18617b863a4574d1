/**
 * What aws-cli users type (issue 13), end to end against MinIO and moto: `s3://` paths for
 * every command, `--profile` with the shared config's endpoint_url, and where the state
 * files go (--state-dir, S3MPU_STATE_DIR, the XDG fallback for unwritable directories).
 */
import { CreateMultipartUploadCommand } from "@aws-sdk/client-s3";
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
import * as stores from "./support/servers.ts";

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);

  Deno.test(`${server.name}: upload FILE s3://BUCKET/DIR/ stores FILE's name under DIR`, async () => {
    const bucket = await stores.createTestBucket(server);
    const file = await randomFile(7 * MiB + 5, "big.tar");
    const run = await runS3mpu(["upload", file.path, `s3://${bucket}/backups/`, "--json"], env);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(JSON.parse(run.stdout).key, "backups/big.tar");
    assertEquals(
      await stores.objectSha256(server, bucket, "backups/big.tar"),
      stores.sha256Hex(file.bytes),
    );
    const exact = await runS3mpu(
      ["upload", file.path, `s3://${bucket}/other.bin`, "-s", "5MB"],
      env,
    );
    assertEquals(exact.code, 0, exact.stderr);
    assertEquals(
      await stores.objectSha256(server, bucket, "other.bin"),
      stores.sha256Hex(file.bytes),
    );
    // verify takes the same form (--download: the generic preset's ETags prove nothing).
    const verify = await runS3mpu(
      ["verify", file.path, `s3://${bucket}/backups/`, "--download"],
      env,
    );
    assertEquals(verify.code, 0, verify.stdout + verify.stderr);
    await file.cleanup();
  });

  Deno.test(`${server.name}: list, status and abort accept s3:// too`, async () => {
    const bucket = await stores.createTestBucket(server);
    using client = stores.referenceClient(server);
    const orphan = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: "logs/a.bin" }),
    );
    const listed = await runS3mpu(["list", `s3://${bucket}/logs/`, "--json"], env);
    assertEquals(listed.code, 0, listed.stderr);
    assertEquals(JSON.parse(listed.stdout).uploads.map((u: { key: string }) => u.key), [
      "logs/a.bin",
    ]);
    const aborted = await runS3mpu(
      ["abort", `s3://${bucket}/logs/a.bin`, "--upload-id", orphan.UploadId!],
      env,
    );
    assertEquals(aborted.code, 0, aborted.stderr);
    assertEquals(await stores.listOpenUploads(server, bucket), []);

    // status FILE s3://…: the URL must name the recorded upload.
    const file = await randomFile(20 * MiB, "slow.bin");
    await killAfterParts(
      ["upload", file.path, `s3://${bucket}/s/`, "-s", "5MiB", "-t", "1", "--limit-rate", "4MiB"],
      env,
      `${file.path}.s3mpu-parts.jsonl`,
      1,
    );
    const status = await runS3mpu(["status", file.path, `s3://${bucket}/s/slow.bin`], env);
    assertEquals(status.code, 0, status.stderr);
    const wrong = await runS3mpu(["status", file.path, `s3://${bucket}/elsewhere.bin`], env);
    assertEquals(wrong.code, 2, wrong.stderr);
    assertMatch(wrong.stderr, /records an upload to s3:\/\/.*\/s\/slow\.bin, not s3:\/\//);
    const abortFile = await runS3mpu(["abort", file.path], env);
    assertEquals(abortFile.code, 0, abortFile.stderr);
    await file.cleanup();
  });
}

const moto = stores.testServers().find((s) => s.name === "moto")!;

Deno.test("mixing s3:// with -b/-k is exit 2, and nothing is written", async () => {
  const file = await randomFile(1024, "m.bin");
  const run = await runS3mpu(
    ["upload", file.path, "s3://bucket-x/k", "-k", "other"],
    stores.serverEnv(moto),
  );
  assertEquals(run.code, 2, run.stderr);
  assertMatch(run.stderr, /either as s3:\/\/bucket-x\/k or with --key, not both/);
  assertEquals([...Deno.readDirSync(file.dir)].map((e) => e.name), ["m.bin"]);
  await file.cleanup();
});

Deno.test("--profile takes credentials, region and endpoint_url from the shared config", async () => {
  const bucket = await stores.createTestBucket(moto);
  const file = await randomFile(6 * MiB, "p.bin");
  const config = `${file.dir}/config`;
  const credentials = `${file.dir}/credentials`;
  await Deno.writeTextFile(
    config,
    `[profile lab]\nregion = us-east-1\nservices = lab-s3\ns3 =\n  addressing_style = path\n\n[services lab-s3]\ns3 =\n  endpoint_url = ${moto.endpoint}\n`,
  );
  await Deno.writeTextFile(
    credentials,
    `[lab]\naws_access_key_id = ${moto.accessKeyId}\naws_secret_access_key = ${moto.secretAccessKey}\n`,
  );
  // No endpoint, region or keys in the environment: all come from the profile.
  const env = {
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    HOME: file.dir,
  };
  const run = await runS3mpu(
    ["upload", file.path, `s3://${bucket}/p.bin`, "--profile", "lab"],
    env,
  );
  assertEquals(run.code, 0, run.stderr);
  assertEquals(await stores.objectSha256(moto, bucket, "p.bin"), stores.sha256Hex(file.bytes));
  const viaEnv = await runS3mpu(["upload", file.path, `s3://${bucket}/q.bin`], {
    ...env,
    AWS_PROFILE: "lab",
  });
  assertEquals(viaEnv.code, 0, viaEnv.stderr);
  assertEquals(await stores.objectSha256(moto, bucket, "q.bin"), stores.sha256Hex(file.bytes));
  const unknown = await runS3mpu(
    ["upload", file.path, `s3://${bucket}/r.bin`, "--profile", "lba"],
    env,
  );
  assertEquals(unknown.code, 2, unknown.stderr);
  assertMatch(unknown.stderr, /The AWS profile "lba" is not defined in/);
  await file.cleanup();
});

Deno.test("--state-dir and S3MPU_STATE_DIR hold the state; an unwritable source directory falls back to XDG_STATE_HOME", async () => {
  const env = stores.serverEnv(moto);
  const bucket = await stores.createTestBucket(moto);
  const file = await randomFile(20 * MiB, "ro.bin");
  const stateDir = `${file.dir}/state`;
  const args = ["upload", file.path, `s3://${bucket}/ro.bin`, "-s", "5MiB", "-t", "1"];
  // Killed part-way with --state-dir: the journal is there, not beside the file.
  const child = spawnS3mpu([...args, "--state-dir", stateDir, "--limit-rate", "4MiB"], env);
  const journal = () =>
    [...Deno.readDirSync(stateDir)].map((e) => e.name).find((n) => n.endsWith(".jsonl"));
  for (let i = 0; i < 300 && !(await exists(stateDir)); i++) await sleep(20);
  let name: string | undefined;
  for (let i = 0; i < 300 && !(name = journal()); i++) await sleep(20);
  assertOk(name, "journal in the state dir");
  await waitForLines(`${stateDir}/${name}`, 1);
  child.kill("SIGKILL");
  await collect(child);
  assertMatch(name!, /^ro\.bin-[0-9a-f]{12}\.s3mpu-parts\.jsonl$/);
  assertEquals([...Deno.readDirSync(file.dir)].map((e) => e.name).sort(), ["ro.bin", "state"]);
  // status finds them there too, given the same directory.
  const status = await runS3mpu(["status", file.path, "--state-dir", stateDir, "--json"], env);
  assertEquals(status.code, 0, status.stderr);
  assertEquals(
    JSON.parse(status.stdout).metaFile,
    `${stateDir}/${name!.replace(/parts\.jsonl$/, "meta.json")}`,
  );
  // S3MPU_STATE_DIR names the same place: the same upload resumes.
  const resumed = await runS3mpu(args, { ...env, S3MPU_STATE_DIR: stateDir });
  assertEquals(resumed.code, 0, resumed.stderr);
  assertMatch(resumed.stderr, /Continuing multipart upload/);
  assertEquals(await stores.objectSha256(moto, bucket, "ro.bin"), stores.sha256Hex(file.bytes));

  // A read-only source directory: state goes to $XDG_STATE_HOME/s3mpu, and it says so.
  const xdg = `${file.dir}/xdg`;
  const ro = `${file.dir}/ro`;
  await Deno.mkdir(ro);
  await Deno.copyFile(file.path, `${ro}/ro.bin`);
  await Deno.chmod(ro, 0o555);
  try {
    const isRoot = Deno.uid() === 0; // root writes anywhere: the fallback cannot trigger
    const run = await runS3mpu(
      ["upload", `${ro}/ro.bin`, `s3://${bucket}/ro2.bin`],
      { ...env, XDG_STATE_HOME: xdg },
    );
    assertEquals(run.code, 0, run.stderr);
    if (!isRoot) {
      assertMatch(
        run.stderr,
        new RegExp(`is not writable; keeping the state files in ${xdg}/s3mpu`),
      );
    }
    assertEquals(await stores.objectSha256(moto, bucket, "ro2.bin"), stores.sha256Hex(file.bytes));
  } finally {
    await Deno.chmod(ro, 0o755);
  }
  await file.cleanup();
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
