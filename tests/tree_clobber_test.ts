/**
 * `--no-clobber` of a directory upload on MinIO, versitygw and moto: on a store whose preset
 * says it takes conditional writes, a key that holds an object is left as it is (the file is
 * counted as `exists`, its multipart upload aborted) and the other files are stored; on a
 * store whose preset does not say so, the option is refused before anything is sent. A single
 * file refuses the option.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { assertEquals, assertMatch } from "../backends/testing/assert.ts";
import { getPreset } from "../backends/presets.ts";
import { makeTree } from "../src/testing/trees.ts";
import { exists, MiB, randomBytes, runS3mpu } from "./support/cli.ts";
import * as stores from "./support/servers.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import { assertTreeStored, treeArgs, uploadTreeJson } from "./support/tree_cli.ts";

/** Whether s3mpu takes `server` for a store with conditional writes (moto is "generic"). */
function conditional(server: stores.TestServer): boolean {
  return server.name !== "moto" && getPreset(server.name).conditionalWrites === true;
}

async function putReference(
  server: stores.TestServer,
  bucket: string,
  key: string,
  body: Uint8Array,
): Promise<void> {
  using client = stores.referenceClient(server);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

for (const server of stores.storeServers().filter(conditional)) {
  const env = stores.serverEnv(server);

  Deno.test(`${server.name}: --no-clobber leaves existing keys as they are and stores the rest`, async () => {
    const bucket = await stores.createTestBucket(server, "clobber");
    const files = {
      "old-small.txt": randomBytes(1000),
      "old-big.bin": randomBytes(6 * MiB + 7),
      "new-small.txt": randomBytes(2000),
      "new-big.bin": randomBytes(5 * MiB + 3),
      "new-empty": new Uint8Array(0),
    };
    // What the store held before: other bytes under two of the keys.
    const before = { "old-small.txt": randomBytes(10), "old-big.bin": randomBytes(20) };
    for (const [path, bytes] of Object.entries(before)) {
      await putReference(server, bucket, `p/${path}`, bytes);
    }
    await using tree = await makeTree(files);
    const state = await Deno.makeTempDir({ prefix: "s3mpu-clobber-state-" });
    const args = treeArgs(tree.root, bucket, "p/", state, "-s", "5MiB", "--no-clobber");
    const proxy = await startFaultProxy({ target: server.endpoint, capture: true });
    const via = { ...env, AWS_ENDPOINT_URL: proxy.url };
    try {
      const { run, json } = await uploadTreeJson(args, via);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(
        [json.files, json.uploaded, json.exists, json.skipped, json.failed],
        [5, 3, 2, 2, 0],
        run.stderr,
      );
      // The existing objects keep their bytes; the new files are stored byte for byte.
      await assertTreeStored(server, bucket, "p/", {
        ...files,
        "old-small.txt": before["old-small.txt"],
        "old-big.bin": before["old-big.bin"],
      });
      // Every PutObject and Complete carried the condition; the refused upload is aborted.
      const writes = proxy.captured.filter((r) =>
        (r.method === "PUT" && !r.url.includes("partNumber=")) ||
        (r.method === "POST" && r.url.includes("uploadId="))
      );
      assertEquals(writes.length, 5, JSON.stringify(writes.map((w) => w.url)));
      for (const write of writes) {
        assertEquals(write.headers["if-none-match"], "*", write.url);
      }
      assertEquals(await stores.listOpenUploads(server, bucket), []);
      assertMatch(run.stderr, /2 files were left as they are: their keys already hold objects/);

      // A re-run sends nothing: the files left are unchanged, so they stay skipped.
      proxy.captured.length = 0;
      const again = await uploadTreeJson(args, via);
      assertEquals([again.run.code, again.json.uploaded, again.json.skipped], [0, 0, 5]);
      assertEquals(proxy.captured.filter((r) => r.method === "PUT").length, 0);
    } finally {
      await proxy.close();
      await Deno.remove(state, { recursive: true });
    }
  });
}

for (const server of stores.storeServers().filter((s) => !conditional(s))) {
  const env = stores.serverEnv(server);

  Deno.test(`${server.name}: --no-clobber is refused where the store is not known to take If-None-Match`, async () => {
    const bucket = await stores.createTestBucket(server, "clobber");
    await using tree = await makeTree({ "a.txt": "a" });
    const state = await Deno.makeTempDir({ prefix: "s3mpu-clobber-state-" });
    try {
      const run = await runS3mpu(treeArgs(tree.root, bucket, "", state, "--no-clobber"), env);
      assertEquals(run.code, 2, run.stderr);
      const lines = run.stderr.trim().split("\n");
      assertEquals(lines.length, 1, run.stderr);
      assertMatch(lines[0], /--no-clobber needs conditional writes .*generic/);
      assertEquals(await exists(`${state}/jobs`), false);
      assertEquals(await stores.listOpenUploads(server, bucket), []);
    } finally {
      await Deno.remove(state, { recursive: true });
    }
  });
}

const [first] = stores.testServers();

Deno.test(`${first.name}: --no-clobber with one file is refused with the reason`, async () => {
  const bucket = await stores.createTestBucket(first, "clobber");
  await using tree = await makeTree({ "one.txt": "one" });
  const run = await runS3mpu(
    ["upload", tree.path("one.txt"), `s3://${bucket}/one.txt`, "--no-clobber"],
    stores.serverEnv(first),
  );
  assertEquals(run.code, 2, run.stderr);
  assertMatch(run.stderr, /--no-clobber/);
  assertEquals(run.stderr.trim().split("\n").length, 1, run.stderr);
});
