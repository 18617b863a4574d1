/**
 * One source identity per run, proved on MinIO and moto through the CLI: a file swapped by
 * rename and back, edited in place with its mtime put back, or a chunk replaced by rename with
 * its mtime kept (what rsync does), during a run or between runs, never ends in exit 0 with
 * an object that is not the source; and `verify -d` checks a chunk directory. Every case runs
 * on the trailing-checksum path (`--provider minio` on MinIO, `aws` on moto) and where it
 * reads the source, also on the two-pass path (`--provider generic`).
 */
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { type FaultProxy, startFaultProxy } from "./support/fault_proxy.ts";
import { type CliRun, collect, MiB, randomBytes, runS3mpu, spawnS3mpu } from "./support/cli.ts";
import { overwriteAt } from "../src/testing/files.ts";
import { readMeta, writeMeta } from "../src/state/meta_file.ts";
import * as stores from "./support/servers.ts";
import {
  answer,
  fixture,
  objectOrUndefined,
  reportStored,
  uploadArgs,
} from "./support/reliability.ts";
import { describeRun } from "./support/run_output.ts";

const PART = 5 * MiB;
/** Five parts: the source is changed while part 2 is held at the proxy. */
const SIZE = 4 * PART + MiB + 999;
const HOLD_MS = 1500;

/** A directory of five chunk files (`chunk_1` ... `chunk_5`), one part each, with its state paths. */
interface ChunkDir {
  dir: string;
  prefix: string;
  meta: string;
  parts: string;
  /** The chunks' bytes, concatenated. */
  bytes(): Promise<Uint8Array>;
  args(bucket: string, key: string, extra?: string[]): string[];
  cleanup(): Promise<void>;
}

async function chunkDir(): Promise<ChunkDir> {
  const base = await Deno.makeTempDir({ prefix: "s3mpu-identity-" });
  const dir = `${base}/chunks`;
  await Deno.mkdir(dir);
  for (let n = 1; n <= 5; n++) {
    await Deno.writeFile(`${dir}/chunk_${n}`, randomBytes(n === 5 ? MiB + 999 : PART));
  }
  const meta = `${base}/meta.json`;
  const parts = `${base}/parts.jsonl`;
  return {
    dir,
    prefix: "chunk_",
    meta,
    parts,
    bytes: async () => {
      const all = await Promise.all([1, 2, 3, 4, 5].map((n) => Deno.readFile(`${dir}/chunk_${n}`)));
      const out = new Uint8Array(all.reduce((sum, c) => sum + c.length, 0));
      all.reduce((at, c) => (out.set(c, at), at + c.length), 0);
      return out;
    },
    args: (bucket, key, extra = []) => [
      "upload",
      ...["-b", bucket, "-k", key, "-d", dir, "-p", "chunk_", "-m", meta, "-a", parts],
      ...extra,
    ],
    cleanup: () => Deno.remove(base, { recursive: true }).catch(() => {}),
  };
}

/** Replaces `path` by rename (a new file, then renamed over it) with its mtime kept: as rsync -t. */
async function replaceKeepingMtime(path: string): Promise<void> {
  const before = await Deno.stat(path);
  const temp = `${path.replace(/[^/]+$/, "")}.replacing.tmp`;
  await Deno.writeFile(temp, randomBytes(before.size));
  await Deno.utime(temp, before.atime!, before.mtime!);
  await Deno.rename(temp, path);
}

/** Overwrites bytes in place and puts the mtime back, as `touch -d "$old_mtime"` does. */
async function editKeepingMtime(path: string, offsets: number[]): Promise<void> {
  const before = await Deno.stat(path);
  for (const offset of offsets) await overwriteAt(path, offset, new Uint8Array([9, 9, 9]));
  await Deno.utime(path, before.atime!, before.mtime!);
}

/** A proxy that holds part 2 for {@link HOLD_MS}, so the test changes the source meanwhile. */
function holdingPart2(server: stores.TestServer): Promise<FaultProxy> {
  return startFaultProxy({
    target: server.endpoint,
    rules: [{
      match: {
        operation: "UploadPart",
        test: (url) => url.searchParams.get("partNumber") === "2",
      },
      action: { kind: "latency", ms: HOLD_MS },
    }],
  });
}

/**
 * Runs the CLI with `args` and, in order, each step's change once the proxy has seen
 * `atPart` UploadParts (or at once, when the run has already ended): the run's result.
 */
async function changedDuring(
  proxy: FaultProxy,
  args: string[],
  env: Record<string, string>,
  steps: Array<{ atPart: number; change: () => Promise<void> }>,
): Promise<CliRun> {
  let ended = false;
  const done = collect(spawnS3mpu(args, env)).finally(() => ended = true);
  for (const step of steps) {
    const deadline = Date.now() + 60_000;
    while (!ended && (proxy.stats.byOperation.UploadPart ?? 0) < step.atPart) {
      if (Date.now() > deadline) throw new Error(`part ${step.atPart} never came`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await step.change();
  }
  return await done;
}

/** Exit 4 naming the change, no object at the key, the state kept. */
async function refused(
  server: stores.TestServer,
  run: CliRun,
  says: RegExp,
  at: { bucket: string; key: string; meta: string },
): Promise<void> {
  assertEquals(run.code, 4, describeRun(run));
  assertMatch(run.stderr, says);
  assertEquals(await objectOrUndefined(server, at.bucket, at.key), undefined, "nothing completed");
  assertOk(await readMeta(at.meta), "state kept");
}

/** A `--restart` run's result: exit 0 and the source as it is now stored whole, reported. */
async function restartedWhole(
  server: stores.TestServer,
  label: { topic: string; what: string },
  run: CliRun,
  at: { bucket: string; key: string; file: Uint8Array },
): Promise<void> {
  assertEquals(run.code, 0, describeRun(run));
  await stores.assertStoredWhole(server, at.bucket, at.key, at.file);
  await reportStored(server, label.topic, `${label.what}, then --restart`, run.code, at);
}

for (const server of stores.testServers()) {
  const env = stores.serverEnv(server);
  const trailing = server.name === "minio" ? "minio" : "aws";

  for (const provider of [trailing, "generic"]) {
    const via = (proxy: FaultProxy) => ["--provider", provider, "--endpoint-url", proxy.url];

    Deno.test(`${server.name} --provider ${provider}: a file swapped by rename and back during the run exits 4`, async () => {
      const bucket = await stores.createTestBucket(server);
      const f = await fixture(SIZE);
      const proxy = await holdingPart2(server);
      const other = `${f.dir}/other.bin`;
      const mtime = (await Deno.stat(f.path)).mtime!;
      await Deno.writeFile(other, randomBytes(SIZE));
      await Deno.utime(other, mtime, mtime); // same size and mtime
      try {
        const args = uploadArgs(f, bucket, "swap.bin", ["-t", "1", ...via(proxy)]);
        const run = await changedDuring(proxy, args, env, [
          {
            atPart: 2,
            change: async () => {
              await Deno.rename(f.path, `${f.path}.bak`);
              await Deno.rename(other, f.path);
            },
          },
          {
            atPart: 4,
            change: async () => {
              await Deno.rename(f.path, other);
              await Deno.rename(`${f.path}.bak`, f.path);
            },
          },
        ]);
        const at = { bucket, key: "swap.bin", file: f.bytes };
        const label = { topic: `identity ${provider}`, what: "swapped and back" };
        await reportStored(server, label.topic, label.what, run.code, at);
        // Caught at the first read that sees it: a handle on the other file ("now another file"),
        // or the end of a read of the original, whose change time the rename moved.
        await refused(server, run, /now another file|change time moved|is gone/, {
          ...at,
          meta: f.meta,
        });
        proxy.setRules([]);
        const again = await runS3mpu(
          uploadArgs(f, bucket, "swap.bin", ["--restart", ...via(proxy)]),
          env,
        );
        await restartedWhole(server, label, again, at);
      } finally {
        await proxy.close();
        await f.cleanup();
      }
    });

    Deno.test(`${server.name} --provider ${provider}: a file edited in place with its mtime put back during the run exits 4`, async () => {
      const bucket = await stores.createTestBucket(server);
      const f = await fixture(SIZE);
      const proxy = await holdingPart2(server);
      try {
        const args = uploadArgs(f, bucket, "edit.bin", ["-t", "1", ...via(proxy)]);
        // One edit in part 1 (sent), one in part 4 (not yet sent).
        const run = await changedDuring(proxy, args, env, [
          { atPart: 2, change: () => editKeepingMtime(f.path, [100, 3 * PART + 10]) },
        ]);
        const edited = await Deno.readFile(f.path);
        const at = { bucket, key: "edit.bin", file: edited };
        const label = { topic: `identity ${provider}`, what: "edited, mtime restored" };
        await reportStored(server, label.topic, label.what, run.code, at);
        await refused(server, run, /change time moved/, { ...at, meta: f.meta });
        proxy.setRules([]);
        const again = await runS3mpu(
          uploadArgs(f, bucket, "edit.bin", ["--restart", ...via(proxy)]),
          env,
        );
        await restartedWhole(server, label, again, at);
      } finally {
        await proxy.close();
        await f.cleanup();
      }
    });

    Deno.test(`${server.name} --provider ${provider}: a chunk replaced by rename with its mtime kept during the run exits 4`, async () => {
      const bucket = await stores.createTestBucket(server);
      const c = await chunkDir();
      const proxy = await holdingPart2(server);
      try {
        const run = await changedDuring(
          proxy,
          c.args(bucket, "c.bin", ["-t", "1", ...via(proxy)]),
          env,
          [
            { atPart: 2, change: () => replaceKeepingMtime(`${c.dir}/chunk_1`) }, // already sent
          ],
        );
        const at = { bucket, key: "c.bin", file: await c.bytes() };
        const label = { topic: `identity ${provider}`, what: "chunk replaced (rsync -t)" };
        await reportStored(server, label.topic, label.what, run.code, at);
        await refused(server, run, /chunk chunk_1: .*(inode|change time)/, { ...at, meta: c.meta });
        proxy.setRules([]);
        const again = await runS3mpu(c.args(bucket, "c.bin", ["--restart", ...via(proxy)]), env);
        await restartedWhole(server, label, again, at);
      } finally {
        await proxy.close();
        await c.cleanup();
      }
    });
  }

  /**
   * `body` with a proxy in front of the server (its `via` arguments: the preset and the
   * proxy's endpoint, which the upload records and a --restart must reach again).
   */
  const throughProxy = async (body: (via: string[], proxy: FaultProxy) => Promise<void>) => {
    const proxy = await startFaultProxy({ target: server.endpoint });
    try {
      await body(["--provider", trailing, "--endpoint-url", proxy.url], proxy);
    } finally {
      await proxy.close();
    }
  };

  /** A run (`args`) that sends every part but whose Complete fails: exit 3, state kept. */
  const sentNotCompleted = async (proxy: FaultProxy, args: string[]) => {
    proxy.setRules(answer("CompleteMultipartUpload", 500));
    const run = await runS3mpu([...args, "--retries", "1"], env);
    proxy.setRules([]);
    assertEquals(run.code, 3, describeRun(run));
    return run;
  };

  Deno.test(`${server.name}: a file edited with its mtime put back between runs: the resume exits 4`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(SIZE);
    try {
      await throughProxy(async (via, proxy) => {
        await sentNotCompleted(proxy, uploadArgs(f, bucket, "e.bin", via));
        await editKeepingMtime(f.path, [100]);
        const run = await runS3mpu(uploadArgs(f, bucket, "e.bin", via), env);
        const edited = await Deno.readFile(f.path);
        const at = { bucket, key: "e.bin", file: edited };
        const label = { topic: "identity", what: "edited between runs, mtime restored" };
        await reportStored(server, label.topic, label.what, run.code, at);
        await refused(server, run, /change time moved/, { ...at, meta: f.meta });
        const again = await runS3mpu(uploadArgs(f, bucket, "e.bin", ["--restart", ...via]), env);
        await restartedWhole(server, label, again, at);
      });
    } finally {
      await f.cleanup();
    }
  });

  Deno.test(`${server.name}: a chunk replaced by rename with its mtime kept between runs: the resume exits 4`, async () => {
    const bucket = await stores.createTestBucket(server);
    const c = await chunkDir();
    try {
      await throughProxy(async (via, proxy) => {
        await sentNotCompleted(proxy, c.args(bucket, "c.bin", via));
        await replaceKeepingMtime(`${c.dir}/chunk_3`);
        const run = await runS3mpu(c.args(bucket, "c.bin", via), env);
        const at = { bucket, key: "c.bin", file: await c.bytes() };
        const label = { topic: "identity", what: "chunk replaced between runs" };
        await reportStored(server, label.topic, label.what, run.code, at);
        await refused(server, run, /chunk chunk_3: .*inode/, { ...at, meta: c.meta });
        const again = await runS3mpu(c.args(bucket, "c.bin", ["--restart", ...via]), env);
        await restartedWhole(server, label, again, at);
      });
    } finally {
      await c.cleanup();
    }
  });

  Deno.test(`${server.name}: meta files without the change time (earlier versions) still resume, and record it`, async () => {
    const bucket = await stores.createTestBucket(server);
    const f = await fixture(SIZE);
    const c = await chunkDir();
    try {
      await throughProxy(async (via, proxy) => {
        for (
          const [what, meta, args, bytes] of [
            ["file", f.meta, (x: string[]) => uploadArgs(f, bucket, "old-file", x), f.bytes],
            ["chunks", c.meta, (x: string[]) => c.args(bucket, "old-chunks", x), await c.bytes()],
          ] as const
        ) {
          await sentNotCompleted(proxy, args(via));
          // As the previous version wrote it: no ctimeMs, no chunk inode or change time.
          const recorded = (await readMeta(meta))!;
          const { ctimeMs: _, ...source } = recorded.source!;
          const chunks = source.chunks?.map(({ name, size, mtimeMs }) => ({ name, size, mtimeMs }));
          await writeMeta(meta, {
            ...recorded,
            source: { ...source, ...(chunks ? { chunks } : {}) },
          });
          // Complete fails again, so what the resume recorded can be read.
          const second = await sentNotCompleted(proxy, args(via));
          assertMatch(second.stderr, /Continuing multipart upload/);
          const now = (await readMeta(meta))!.source!;
          assertOk(what === "file" ? now.ctimeMs : now.chunks?.[4].ctimeMs, `${what}: recorded`);
          assertOk(what === "file" || now.chunks?.[4].ino, "the chunk's inode recorded");
          const done = await runS3mpu(args(via), env);
          assertEquals(done.code, 0, describeRun(done));
          await stores.assertStoredWhole(server, bucket, `old-${what}`, bytes);
        }
      });
    } finally {
      await f.cleanup();
      await c.cleanup();
    }
  });

  Deno.test(`${server.name}: verify -d proves a chunk directory the same, or a flipped byte different`, async () => {
    const bucket = await stores.createTestBucket(server);
    const c = await chunkDir();
    try {
      for (const provider of [trailing, "generic"]) {
        const key = `v-${provider}.bin`;
        const up = await runS3mpu(c.args(bucket, key, ["--provider", provider]), env);
        assertEquals(up.code, 0, describeRun(up));
        const verify = (extra: string[] = []) =>
          runS3mpu(["verify", "-d", c.dir, "-p", c.prefix, "--provider", provider, ...extra], env);
        for (const same of [["-b", bucket, "-k", key], [`s3://${bucket}/${key}`]]) {
          const run = await verify(same);
          // generic: an equal ETag may echo the Content-MD5 sent, so it proves nothing (5).
          assertEquals(run.code, provider === "generic" ? 5 : 0, describeRun(run));
          assertMatch(run.stdout, provider === "generic" ? /^Undecided: / : /^Match: /);
        }
        const downloaded = await verify(["-b", bucket, "-k", key, "--download"]);
        assertEquals(downloaded.code, 0, describeRun(downloaded));
        const chunk = `${c.dir}/chunk_2`;
        const original = await Deno.readFile(chunk);
        await Deno.writeFile(chunk, original.map((b, i) => (i === 1234 ? b ^ 0x40 : b)));
        const flipped = await verify(["-b", bucket, "-k", key]);
        // generic: no stored checksum, ETags not promised as MD5s → undecided (5), never 0.
        assertEquals(flipped.code, provider === "generic" ? 5 : 1, describeRun(flipped));
        const read = await verify(["-b", bucket, "-k", key, "--download"]);
        assertEquals(read.code, 1, describeRun(read));
        await Deno.writeFile(chunk, original);
      }
    } finally {
      await c.cleanup();
    }
  });
}
