/**
 * A tree upload killed with SIGKILL resumes: during the walk and its small files, during a
 * large file's parts, and a file deleted during the run. Requests are counted at a proxy in
 * front of the store (every run goes through it: the endpoint is part of the job), and what
 * the journal recorded as stored before the kill must not be sent again.
 */
import { assertEquals, assertOk } from "../backends/testing/assert.ts";
import { makeTree } from "../src/testing/trees.ts";
import { MiB, randomBytes } from "./support/cli.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
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

/** `count` small files spread over a few directories. */
function smallFiles(count: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    files[`d${i % 4}/f${String(i).padStart(4, "0")}.bin`] = randomBytes(i % 7 === 0 ? 0 : 300 + i);
  }
  return files;
}

/** The keys PUT (PutObject or UploadPart) at the proxy, with how often. */
function putsByKey(urls: string[], bucket: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const url of urls) {
    const key = decodeURIComponent(url.split("?")[0]).slice(bucket.length + 2);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

for (const server of stores.storeServers()) {
  const env = stores.serverEnv(server);

  Deno.test(`${server.name}: killed during the walk, the run continues it and sends no stored file again`, async () => {
    const bucket = await stores.createTestBucket(server, "tree");
    const files = smallFiles(240);
    await using tree = await makeTree(files);
    const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
    const proxy = await startFaultProxy({ target: server.endpoint, capture: true });
    const via = { ...env, AWS_ENDPOINT_URL: proxy.url };
    try {
      const args = treeArgs(tree.root, bucket, "k/", state, "--concurrency", "2");
      const killed = await killTreeWhen(args, via, state, (j) => donePaths(j).size >= 40);
      assertEquals(killed.run.code, 137, killed.run.stderr);
      assertOk(!records(killed.journal).some((r) => r.t === "w"), "killed before the walk ended");
      const done = donePaths(killed.journal);
      await proxy.settled();
      proxy.captured.length = 0;
      const { run, json } = await uploadTreeJson(args, via);
      assertEquals(run.code, 0, run.stderr);
      assertEquals(json.uploaded, 240 - done.size);
      const puts = putsByKey(
        proxy.captured.filter((r) => r.method === "PUT").map((r) => r.url),
        bucket,
      );
      const again = [...done].filter((p) => puts.has(`k/${p}`));
      assertEquals(again, [], "files stored before the kill were not sent again");
      assertOk([...puts.values()].every((n) => n === 1), "each file sent once by the resume");
      await assertTreeStored(server, bucket, "k/", files);
    } finally {
      await proxy.close();
      await Deno.remove(state, { recursive: true });
    }
  });

  Deno.test(`${server.name}: killed during a large file's parts, the upload continues part by part`, async () => {
    const bucket = await stores.createTestBucket(server, "tree");
    const files = {
      "a.txt": randomBytes(10),
      "large.bin": randomBytes(30 * MiB),
      "z.txt": randomBytes(20),
    };
    await using tree = await makeTree(files);
    const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
    const proxy = await startFaultProxy({ target: server.endpoint, capture: true });
    const via = { ...env, AWS_ENDPOINT_URL: proxy.url };
    try {
      const args = treeArgs(
        tree.root,
        bucket,
        "",
        state,
        "-s",
        "5MiB",
        "-t",
        "1",
        "--limit-rate",
        "20MiB",
      );
      const parts = (j: string) => records(j).filter((r) => r.t === "p").length;
      const killed = await killTreeWhen(args, via, state, (j) => parts(j) >= 2);
      assertEquals(killed.run.code, 137, killed.run.stderr);
      const journaled = parts(killed.journal);
      assertOk(journaled >= 2 && journaled < 6, `${journaled} parts journaled at the kill`);
      await proxy.settled();
      proxy.captured.length = 0;
      const { run } = await uploadTreeJson(
        treeArgs(tree.root, bucket, "", state, "-s", "5MiB"),
        via,
      );
      assertEquals(run.code, 0, run.stderr);
      const sent = proxy.captured.filter((r) => r.operation === "UploadPart").length;
      assertOk(sent <= 6 - journaled, `the resume sent ${sent} parts, ${journaled} were journaled`);
      assertEquals(proxy.captured.filter((r) => r.operation === "CreateMultipartUpload").length, 0);
      await assertTreeStored(server, bucket, "", files);
      assertEquals(await stores.listOpenUploads(server, bucket), []);
    } finally {
      await proxy.close();
      await Deno.remove(state, { recursive: true });
    }
  });
}

const [server] = stores.testServers();
const env = stores.serverEnv(server);

Deno.test(`${server.name}: a file deleted during its upload is a failure (exit 3); the next run settles it`, async () => {
  const bucket = await stores.createTestBucket(server, "tree");
  const files = { "keep.txt": randomBytes(100), "gone.bin": randomBytes(20 * MiB) };
  await using tree = await makeTree(files);
  const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-state-" });
  try {
    const args = treeArgs(
      tree.root,
      bucket,
      "",
      state,
      "-s",
      "5MiB",
      "-t",
      "1",
      "--limit-rate",
      "10MiB",
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        new URL("../main.ts", import.meta.url).pathname,
        ...args,
        "--json",
      ],
      env: { NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    while (!records(await journalText(state)).some((r) => r.t === "p")) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await Deno.remove(tree.path("gone.bin"));
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    const json = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(out.code, 3, stderr);
    assertEquals(json.failures.map((f: { path: string; code: string }) => [f.path, f.code]), [[
      "gone.bin",
      "vanished",
    ]]);
    assertEquals(
      await stores.objectSha256(server, bucket, "keep.txt"),
      stores.sha256Hex(files["keep.txt"]),
    );
    const next = await uploadTreeJson(args, env);
    assertEquals([next.run.code, next.json.uploaded], [0, 0], next.run.stderr);
    assertEquals(
      await stores.listOpenUploads(server, bucket),
      [],
      "the abandoned upload was aborted",
    );
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
