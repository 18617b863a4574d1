/**
 * A tree's objects are proved like a single file's: through a proxy that flips a byte of every
 * PutObject and UploadPart body on the way to moto (which checks neither Content-MD5 nor
 * trailing checksums), no preset ends in exit 0; every file fails as not proved, and the next
 * run without damage stores every file byte for byte. On the generic preset, with no value
 * the store computed to compare, each small object is read back.
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { makeTree } from "../src/testing/trees.ts";
import { MiB, randomBytes } from "./support/cli.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import * as stores from "./support/servers.ts";
import { assertTreeStored, treeArgs, uploadTreeJson } from "./support/tree_cli.ts";

const moto = stores.testServers().find((s) => s.name === "moto");

/** Two small files (past byte 4000, where the proxy flips one) and one of three parts. */
function smallAndLarge(): Record<string, Uint8Array> {
  return {
    "a.bin": randomBytes(9_000),
    "dir/b.bin": randomBytes(70_000),
    "big.bin": randomBytes(11 * MiB + 5),
  };
}

if (moto) {
  for (const provider of ["aws", "minio", "generic"]) {
    Deno.test(`moto: tree, --provider ${provider}: every body damaged on the way is exit 4, then a clean run stores the tree`, async () => {
      const bucket = await stores.createTestBucket(moto, "treeproof");
      const files = smallAndLarge();
      await using tree = await makeTree(files);
      const state = await Deno.makeTempDir({ prefix: "s3mpu-tree-proof-" });
      const proxy = await startFaultProxy({ target: moto.endpoint });
      const env = { ...stores.serverEnv(moto), AWS_ENDPOINT_URL: proxy.url };
      const args = treeArgs(tree.root, bucket, "p/", state, "-s", "5MiB", "--provider", provider);
      try {
        proxy.setRules([
          { match: { operation: "PutObject" }, action: { kind: "corrupt_body", atByte: 4000 } },
          { match: { operation: "UploadPart" }, action: { kind: "corrupt_body", atByte: 4000 } },
        ]);
        const bad = await uploadTreeJson([...args, "--retries", "2"], env);
        assertEquals(bad.run.code, 4, bad.run.stderr);
        assertEquals([bad.json.uploaded, bad.json.failed], [0, 3], bad.run.stdout);
        const codes = (bad.json.failures as { code: string }[]).map((f) => f.code);
        assertEquals(codes, ["not_proved", "not_proved", "not_proved"]);
        assertMatch(bad.run.stderr, /not proved to hold/);
        // A tree restarts such a file by itself: no advice to pass --restart.
        assertEquals(/--restart/.test(bad.run.stderr), false, bad.run.stderr);

        proxy.setRules([]);
        const gets = proxy.stats.byOperation.GetObject ?? 0;
        const good = await uploadTreeJson(args, env);
        assertEquals(good.run.code, 0, good.run.stderr);
        assertEquals([good.json.uploaded, good.json.failed], [3, 0]);
        await assertTreeStored(moto, bucket, "p/", files);
        const readBack = (proxy.stats.byOperation.GetObject ?? 0) - gets;
        // generic: nothing the store computed compares, so every object is read back; the
        // aws and minio presets take moto's MD5 ETags and its FULL_OBJECT CRC32: no GET.
        if (provider === "generic") assertOk(readBack >= 3, `read back ${readBack} times`);
        else assertEquals(readBack, 0);
      } finally {
        await proxy.close();
        await Deno.remove(state, { recursive: true });
      }
    });
  }
}
