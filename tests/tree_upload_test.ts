/**
 * `s3mpu upload DIR s3://BUCKET/PREFIX/` end to end on MinIO, moto and versitygw: a mixed
 * tree byte-identical under its keys, a re-run that sends only what changed, links and
 * special files, filters, a file that cannot be read, and bad input.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { link, makeTree } from "../src/testing/trees.ts";
import { MiB, randomBytes, runS3mpu } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { assertTreeStored, listKeys, treeArgs, uploadTreeJson } from "./support/tree_cli.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** A tree with nested directories, odd names, empty files, an empty dir and two large files. */
function mixedTree(): Record<string, Uint8Array> {
  return {
    "a.txt": text("alpha\n"),
    "empty": new Uint8Array(0),
    "dir/sub/deep.bin": randomBytes(70_000),
    "dir/with space.txt": text("space"),
    "dir/ünïcødé ✓.txt": text("unicode"),
    "dir/plus+percent%20.txt": text("+%"),
    "dir/also empty": new Uint8Array(0),
    "big/one.bin": randomBytes(11 * MiB + 5),
    "big/two.bin": randomBytes(6 * MiB),
  };
}

for (const server of stores.storeServers()) {
  const env = stores.serverEnv(server);

  Deno.test(`${server.name}: a mixed tree is stored byte for byte under PREFIX + its paths`, async () => {
    const bucket = await stores.createTestBucket(server, "tree");
    const files = mixedTree();
    await using tree = await makeTree({ ...files, "nothing here/": null });
    const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
    const args = treeArgs(tree.root, bucket, "up/", state, "-s", "5MiB", "--recursive");
    // Every run goes through the proxy (the endpoint is part of the job), which counts PUTs.
    const proxy = await startFaultProxy({ target: server.endpoint, capture: true });
    const via = { ...env, AWS_ENDPOINT_URL: proxy.url };
    try {
      const { run, json } = await uploadTreeJson(args, via);
      assertEquals(run.code, 0, run.stderr);
      assertEquals([json.files, json.uploaded, json.failed, json.failures], [9, 9, 0, []]);
      assertEquals(json.bytes, Object.values(files).reduce((n, b) => n + b.length, 0));
      assertMatch(String(json.stateDir), new RegExp(`^${state}/jobs/[0-9a-f]{16}$`));
      await assertTreeStored(server, bucket, "up/", files);
      assertMatch(String(await stores.headETag(server, bucket, "up/big/one.bin")), /-3$/);
      assertEquals(await stores.listOpenUploads(server, bucket), []);

      // A re-run sends nothing; a changed and a new file are the only ones sent after that.
      const again = await uploadTreeJson(args, via);
      assertEquals([again.run.code, again.json.uploaded, again.json.skipped], [0, 0, 9]);
      const changed = text("alpha, longer now\n");
      await Deno.writeFile(tree.path("a.txt"), changed);
      const added = randomBytes(1234);
      await Deno.writeFile(tree.path("dir/new.bin"), added);
      proxy.captured.length = 0;
      const third = await uploadTreeJson(args, via);
      assertEquals([third.run.code, third.json.uploaded, third.json.skipped], [0, 2, 8]);
      const puts = proxy.captured.filter((r) => r.method === "PUT")
        .map((r) => decodeURIComponent(r.url.split("?")[0])).sort();
      assertEquals(puts, [`/${bucket}/up/a.txt`, `/${bucket}/up/dir/new.bin`]);
      await assertTreeStored(server, bucket, "up/", {
        ...files,
        "a.txt": changed,
        "dir/new.bin": added,
      });
    } finally {
      await proxy.close();
      await Deno.remove(state, { recursive: true });
    }
  });
}

const [server] = stores.testServers();
const env = stores.serverEnv(server);

Deno.test(`${server.name}: links, a FIFO and a loop are skipped with one line each; --follow-symlinks follows`, async () => {
  const bucket = await stores.createTestBucket(server, "tree");
  await using tree = await makeTree({
    "real/file.txt": "real",
    "fifo": { special: "fifo" },
    "dangling": link("nowhere"),
    "loop": link("loop"),
    "to-real": link("real"),
  });
  const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
  const { run, json } = await uploadTreeJson(treeArgs(tree.root, bucket, "", state), env);
  assertEquals(run.code, 0, run.stderr);
  assertEquals([json.uploaded, json.leftOut], [1, 4]);
  assertEquals(await listKeys(server, bucket), ["real/file.txt"]);
  for (const name of ["fifo", "dangling", "loop"]) {
    assertEquals(run.stderr.split("\n").filter((l) => l.includes(`"${name}"`)).length, 1, name);
  }
  assertMatch(run.stderr, /1 symbolic links were skipped \(--follow-symlinks follows them/);
  const followed = await uploadTreeJson(
    treeArgs(tree.root, bucket, "f/", state, "--follow-symlinks"),
    env,
  );
  assertEquals(followed.run.code, 0, followed.run.stderr);
  assertEquals(await listKeys(server, bucket, "f/"), ["f/real/file.txt", "f/to-real/file.txt"]);
  await Deno.remove(state, { recursive: true });
});

Deno.test(`${server.name}: --exclude/--include in order and --files-from pick the files`, async () => {
  const bucket = await stores.createTestBucket(server, "tree");
  await using tree = await makeTree({
    ".git/config": "git",
    "foo.txt": "foo",
    "bar.txt": "bar",
    "baz.jpg": "baz",
    "logs/x.log": "log",
  });
  const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
  const only = await runS3mpu(
    treeArgs(tree.root, bucket, "a/", state, "--exclude", "*", "--include", "*.txt"),
    env,
  );
  assertEquals(only.code, 0, only.stderr);
  assertEquals(await listKeys(server, bucket, "a/"), ["a/bar.txt", "a/foo.txt"]);
  const some = await runS3mpu(
    treeArgs(tree.root, bucket, "b", state, "--exclude", ".git/*", "--exclude", "*.log"),
    env,
  );
  assertEquals(some.code, 0, some.stderr);
  assertEquals(await listKeys(server, bucket, "b/"), ["b/bar.txt", "b/baz.jpg", "b/foo.txt"]);
  const list = `${state}/list.txt`;
  await Deno.writeTextFile(list, "bar.txt\nlogs/x.log\n");
  const listed = await runS3mpu(
    treeArgs(tree.root, bucket, "c/", state, "--files-from", list),
    env,
  );
  assertEquals(listed.code, 0, listed.stderr);
  assertEquals(await listKeys(server, bucket, "c/"), ["c/bar.txt", "c/logs/x.log"]);
  const nothing = await runS3mpu(
    treeArgs(tree.root, bucket, "d/", state, "--include", "*.txt", "--exclude", "*"),
    env,
  );
  assertEquals(nothing.code, 2);
  assertMatch(nothing.stderr, /leaves nothing to upload/);
  await Deno.remove(state, { recursive: true });
});

Deno.test(`${server.name}: an unreadable file and a name too long fail alone (exit 2); the rest is stored`, async () => {
  const bucket = await stores.createTestBucket(server, "tree");
  const long = "n".repeat(250);
  await using tree = await makeTree({
    "ok.txt": "ok",
    "secret.txt": "no",
    [`${long}/${long}/${long}/${long}/${long}.txt`]: "long",
  });
  await Deno.chmod(tree.path("secret.txt"), 0o000);
  const readable = await Deno.open(tree.path("secret.txt")).then(
    (f) => (f.close(), true),
    () => false,
  );
  const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
  const { run, json } = await uploadTreeJson(treeArgs(tree.root, bucket, "p/", state), env);
  const failures = json.failures as Array<{ path: string; code: string; exitCode: number }>;
  assertEquals(run.code, 2, run.stderr);
  assertOk(failures.some((f) => f.code === "key-too-long"), JSON.stringify(failures));
  if (!readable) assertOk(failures.some((f) => f.path === "secret.txt"), JSON.stringify(failures));
  assertOk((await listKeys(server, bucket, "p/")).includes("p/ok.txt"));
  await Deno.chmod(tree.path("secret.txt"), 0o600);
  await Deno.remove(state, { recursive: true });
});

Deno.test(`${server.name}: bad input: -b/-k with a directory, an unknown bucket (exit 2, no job left)`, async () => {
  await using tree = await makeTree({ "a.txt": "a" });
  const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
  const flags = await runS3mpu(["upload", "-b", "x", "-k", "y", "-f", tree.root], env);
  assertEquals(flags.code, 2);
  assertMatch(
    flags.stderr,
    /is a directory; upload a tree as s3mpu upload .* s3:\/\/BUCKET\/PREFIX\//,
  );
  const missing = await runS3mpu(
    treeArgs(tree.root, "no-such-bucket-s3mpu-tree", "p/", state),
    env,
  );
  assertEquals(missing.code, 2, missing.stderr);
  assertEquals(missing.stderr.split("\n").filter((l) => l.includes("does not exist")).length, 1);
  assertEquals([...Deno.readDirSync(`${state}/jobs`)], [], "no job directory left behind");
  const inside = await runS3mpu(treeArgs(`${state}/jobs`, "b", "p/", state), env);
  assertEquals(inside.code, 2);
  assertMatch(inside.stderr, /is inside the state directory/);
  await Deno.remove(state, { recursive: true });
});
