/**
 * `status`, `abort` and `verify` of a tree job (`DIR s3://BUCKET/PREFIX/`) through the CLI on
 * MinIO and moto: a tree upload killed part-way is reported (uploads in flight, files left) and
 * aborted (no upload left open under the prefix, the job's state gone, stored objects kept); a
 * running upload is reported as running and not aborted; verify proves a whole tree the same,
 * and names an object replaced or deleted by the reference client.
 */
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { makeTree } from "../src/testing/trees.ts";
import { MiB, randomBytes, runS3mpu, spawnS3mpu } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import {
  assertTreeStored,
  donePaths,
  journalText,
  killTreeWhen,
  records,
  treeArgs,
  uploadTreeJson,
} from "./support/tree_cli.ts";

/** Small files in a few directories, and one file large enough for three 5 MiB parts. */
function mixedTree(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = { "big/large.bin": randomBytes(12 * MiB) };
  for (let i = 0; i < 30; i++) {
    files[`d${i % 3}/f${String(i).padStart(2, "0")}.txt`] = randomBytes(100 + i);
  }
  return files;
}

/** `s3mpu <command> DIR s3://BUCKET/PREFIX --state-dir STATE ... --json`: code and object. */
async function treeCommand(
  command: "status" | "abort" | "verify",
  target: { root: string; bucket: string; prefix: string; state: string },
  env: Record<string, string>,
  ...extra: string[]
) {
  const args = [command, target.root, `s3://${target.bucket}/${target.prefix}`];
  const run = await runS3mpu([...args, "--state-dir", target.state, ...extra], env);
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
  } catch {
    // left empty: the assertions name what is missing
  }
  return { run, json };
}

const jobDirs = async (state: string) =>
  await Array.fromAsync(Deno.readDir(`${state}/jobs`)).catch(() => []);

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);

  Deno.test(`${server.name}: a tree killed part-way: status reports it, abort aborts its uploads and keeps stored objects`, async () => {
    const bucket = await stores.createTestBucket(server, "treecmd");
    const files = mixedTree();
    await using tree = await makeTree(files);
    const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
    const target = { root: tree.root, bucket, prefix: "t/", state };
    try {
      const upload = treeArgs(
        tree.root,
        bucket,
        "t/",
        state,
        "-s",
        "5MiB",
        "-t",
        "1",
        "--concurrency",
        "2",
        "--limit-rate",
        "10MiB",
      );
      const killed = await killTreeWhen(
        upload,
        env,
        state,
        (j) => records(j).some((r) => r.t === "p"),
      );
      assertEquals(killed.run.code, 137, killed.run.stderr);
      const journal = records(killed.journal);
      const done = donePaths(killed.journal);
      const open = await stores.listOpenUploads(server, bucket, "t/");
      assertEquals(open.map((u) => u.key), ["t/big/large.bin"], "the large file's upload is open");

      const { run, json } = await treeCommand("status", target, env, "--json");
      assertEquals(run.code, 0, run.stderr);
      assertEquals(json.running, false);
      const found = journal.filter((r) => r.t === "f").length;
      const counts = json.files as Record<string, number>;
      assertEquals(counts.found, found);
      assertEquals(counts.done, done.size);
      assertEquals(counts.left, found - done.size);
      assertOk(counts.left >= 1, "files are left");
      const inFlight = json.inFlight as Array<Record<string, unknown>>;
      assertEquals(inFlight.map((u) => [u.key, u.uploadId]), [[
        "t/big/large.bin",
        open[0].uploadId,
      ]]);
      assertEquals(inFlight[0].partsJournaled, journal.filter((r) => r.t === "p").length);
      assertMatch(String(json.next), /continues generation 1/);
      const text = await treeCommand("status", target, env);
      assertEquals(text.run.code, 0, text.run.stderr);
      assertMatch(
        text.run.stdout,
        /In flight: +1 multipart uploads\n +t\/big\/large\.bin: upload /,
      );
      assertMatch(text.run.stdout, new RegExp(`${counts.left} left`));

      const aborted = await treeCommand("abort", target, env, "--json");
      assertEquals(aborted.run.code, 0, aborted.run.stderr);
      assertEquals((aborted.json.uploads as Array<Record<string, unknown>>).map((u) => u.result), [
        "aborted",
      ]);
      assertEquals(
        await stores.listOpenUploads(server, bucket, "t/"),
        [],
        "no upload open under the prefix",
      );
      assertEquals(await jobDirs(state), [], "the job's state directory is gone");
      for (const path of done) {
        assertEquals(
          await stores.objectSha256(server, bucket, `t/${path}`),
          stores.sha256Hex(files[path]),
          path,
        );
      }
      const after = await treeCommand("status", target, env);
      assertEquals(after.run.code, 4, after.run.stderr);
      assertMatch(
        after.run.stderr,
        new RegExp(`No tree job of .* in the state directory ${state}`),
      );
      const again = await treeCommand("abort", target, env);
      assertEquals(again.run.code, 2, again.run.stderr);
    } finally {
      await Deno.remove(state, { recursive: true });
    }
  });

  Deno.test(`${server.name}: verify of a tree: 0 when stored whole, 1 naming an object replaced or deleted`, async () => {
    const bucket = await stores.createTestBucket(server, "treecmd");
    const files = mixedTree();
    await using tree = await makeTree(files);
    const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
    const target = { root: tree.root, bucket, prefix: "v/", state };
    try {
      const up = await uploadTreeJson(treeArgs(tree.root, bucket, "v/", state, "-s", "5MiB"), env);
      assertEquals(up.run.code, 0, up.run.stderr);
      await assertTreeStored(server, bucket, "v/", files);
      // moto runs under the generic preset, whose stored values prove nothing about content:
      // without --download every file is undecided (exit 5, never 0), and --download decides.
      const decide = server.name === "moto" ? ["--download"] : [];
      if (decide.length > 0) {
        const unproved = await treeCommand("verify", target, env, "--json");
        assertEquals([unproved.run.code, unproved.json.undecided], [5, 31], unproved.run.stderr);
      }
      const all = await treeCommand("verify", target, env, ...decide, "--json");
      assertEquals(all.run.code, 0, all.run.stderr);
      assertEquals([all.json.files, all.json.same, all.json.results], [31, 31, []]);

      using client = stores.referenceClient(server);
      const other = randomBytes(files["d1/f01.txt"].length); // same size, other bytes
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: "v/d1/f01.txt",
          Body: other,
          ChecksumAlgorithm: "CRC32",
        }),
      );
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "v/d2/f02.txt" }));
      const { run, json } = await treeCommand("verify", target, env, ...decide, "--json");
      assertEquals(run.code, 1, run.stderr);
      assertEquals([json.files, json.same, json.different, json.missing, json.undecided], [
        31,
        29,
        1,
        1,
        0,
      ]);
      const results = (json.results as Array<Record<string, unknown>>)
        .map((r) => [r.path, r.key, r.result]).sort();
      assertEquals(results, [["d1/f01.txt", "v/d1/f01.txt", "different"], [
        "d2/f02.txt",
        "v/d2/f02.txt",
        "missing",
      ]]);
      const text = await treeCommand("verify", target, env, ...decide, "--concurrency", "3");
      assertEquals(text.run.code, 1, text.run.stderr);
      const lines = text.run.stdout.trim().split("\n");
      assertEquals(lines.length, 3, text.run.stdout);
      const url = `s3://${bucket}/v/`;
      assertOk(lines.some((l) => l.startsWith(`Mismatch: ${url}d1/f01.txt `)), text.run.stdout);
      assertOk(lines.includes(`Missing: ${url}d2/f02.txt does not exist.`), text.run.stdout);
      assertMatch(
        lines[2],
        /^Mismatch: 31 files .*29 the same, 1 different, 1 missing, 0 undecided/,
      );
      // The filters narrow the walk as they narrowed the upload.
      const narrowed = await treeCommand(
        "verify",
        target,
        env,
        ...decide,
        "--exclude",
        "d1/*",
        "--exclude",
        "d2/*",
        "--json",
      );
      assertEquals([narrowed.run.code, narrowed.json.files], [0, 11], narrowed.run.stderr);
    } finally {
      await Deno.remove(state, { recursive: true });
    }
  });
}

const [server] = stores.testServers();
const env = stores.serverEnv(server);

Deno.test(`${server.name}: a running tree upload: status says it runs, abort refuses naming its pid`, async () => {
  const bucket = await stores.createTestBucket(server, "treecmd");
  await using tree = await makeTree({
    "a.txt": randomBytes(10),
    "slow.bin": randomBytes(12 * MiB),
  });
  const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
  const target = { root: tree.root, bucket, prefix: "r/", state };
  const child = spawnS3mpu(
    treeArgs(tree.root, bucket, "r/", state, "-s", "5MiB", "-t", "1", "--limit-rate", "1MiB"),
    env,
  );
  try {
    while (!records(await journalText(state)).some((r) => r.t === "u")) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const { run, json } = await treeCommand("status", target, env, "--json");
    assertEquals(run.code, 0, run.stderr);
    assertEquals([json.running, json.pid], [true, child.pid]);
    assertEquals((json.inFlight as unknown[]).length, 1);
    const refused = await treeCommand("abort", target, env);
    assertEquals(refused.run.code, 2, refused.run.stderr);
    assertMatch(refused.run.stderr, new RegExp(`Another s3mpu run \\(pid ${child.pid}\\)`));
    assertEquals((await jobDirs(state)).length, 1, "the job's state is kept");
    assertEquals(
      (await stores.listOpenUploads(server, bucket, "r/")).length,
      1,
      "its upload is still open",
    );
  } finally {
    child.kill("SIGKILL");
    await child.output();
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test(`${server.name}: verify under the generic preset never says a replaced multipart object is the same`, async () => {
  const bucket = await stores.createTestBucket(server, "treecmd");
  const files = { "a.txt": randomBytes(50), "big.bin": randomBytes(11 * MiB) };
  await using tree = await makeTree(files);
  const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
  const generic = { ...env, S3MPU_PROVIDER: "generic" };
  const target = { root: tree.root, bucket, prefix: "g/", state };
  try {
    const up = await uploadTreeJson(
      treeArgs(tree.root, bucket, "g/", state, "-s", "5MiB"),
      generic,
    );
    assertEquals(up.run.code, 0, up.run.stderr);
    // Other bytes of the same size and part layout, by another client (no checksum stored).
    const other = randomBytes(11 * MiB);
    await stores.referenceMultipartUpload(server, bucket, "g/big.bin", [
      other.subarray(0, 5 * MiB),
      other.subarray(5 * MiB, 10 * MiB),
      other.subarray(10 * MiB),
    ]);
    const { run, json } = await treeCommand("verify", target, generic, "--json");
    assertOk(run.code === 5 || run.code === 1, `exit ${run.code}: ${run.stderr}`);
    const notSame = (json.results as Array<Record<string, unknown>>).map((r) => r.key);
    assertOk(
      notSame.includes("g/big.bin"),
      `the replaced object is not called the same: ${run.stdout}`,
    );
    const exact = await treeCommand("verify", target, generic, "--download", "--json");
    assertEquals(
      [exact.run.code, exact.json.different, exact.json.same],
      [1, 1, 1],
      exact.run.stderr,
    );
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
