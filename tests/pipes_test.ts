/**
 * Uploads from a stream (`upload -`, a FIFO, `<(…)`) through the CLI against MinIO and moto,
 * each object downloaded with the reference client and hashed: a stream stored whole with
 * the size, CRC32 and SHA-256 of what was read; a run killed with SIGKILL and resumed from
 * the same stream, the proxy's request log showing no journaled part sent again; a different
 * stream, or one that ends early, on resume (exit 4, nothing completed); an empty stream; a
 * stream larger than --expected-size; a FIFO and a process substitution; 300 MiB once.
 */
import * as zlib from "node:zlib";
import { assertEquals, assertMatch, assertOk } from "../backends/testing/assert.ts";
import { parseJournal } from "../src/state/parts_journal.ts";
import { readMeta } from "../src/state/meta_file.ts";
import {
  collect,
  feedS3mpu as feed,
  MiB,
  randomBytes,
  randomFile,
  spawnS3mpu,
  spawnS3mpuFed,
  waitForLines,
} from "./support/cli.ts";
import { startFaultProxy } from "./support/fault_proxy.ts";
import {
  assertStoredWhole,
  createTestBucket,
  headETag,
  serverEnv,
  sha256Hex,
  type TestServer,
  testServers,
} from "./support/servers.ts";
import { describeRun, onlyJson, report } from "./support/run_output.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const crc32 = (zlib as unknown as { crc32(data: Uint8Array): number }).crc32;
const servers = testServers().filter((s) => s.name === "minio" || s.name === "moto");

/** A temp dir for the state files of one test. */
async function stateDir(): Promise<{ dir: string; meta: string; parts: string }> {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-pipes-" });
  return { dir, meta: `${dir}/meta.json`, parts: `${dir}/parts.jsonl` };
}

/** `upload - s3://bucket/key -s SPLIT` (5 MiB) with the state in `state` plus `extra`. */
function streamArgs(
  bucket: string,
  key: string,
  state: { meta: string; parts: string },
  split = "5MiB",
) {
  return (...extra: string[]) => [
    "upload",
    "-",
    `s3://${bucket}/${key}`,
    "-m",
    state.meta,
    "-a",
    state.parts,
    "-s",
    split,
    ...extra,
  ];
}

/**
 * Starts the upload with only `bytes.subarray(0, fedBytes)` written (stdin left open),
 * SIGKILLs it once `parts` lines are journaled; returns the journaled part numbers.
 */
async function killPartWay(
  args: string[],
  env: Record<string, string>,
  bytes: Uint8Array,
  state: { meta: string; parts: string },
  opts: { fedBytes: number; parts: number },
): Promise<number[]> {
  const { child } = spawnS3mpuFed(args, env, bytes.subarray(0, opts.fedBytes), { close: false });
  await waitForLines(state.parts, opts.parts);
  child.kill("SIGKILL");
  const run = await collect(child);
  assertEquals(run.code, 137, describeRun(run));
  const meta = (await readMeta(state.meta))!;
  const text = await Deno.readTextFile(state.parts);
  const journal = parseJournal(text, meta.uploadId, new TextEncoder().encode(text).length);
  return [...journal.parts.keys()].sort((a, b) => a - b);
}

for (const server of servers) {
  const env = serverEnv(server);

  Deno.test(`${server.name}: a stream piped in is stored whole; the result gives its size, CRC32 and SHA-256`, async () => {
    const bucket = await createTestBucket(server);
    const dir = await Deno.makeTempDir({ prefix: "s3mpu-pipes-" });
    const bytes = randomBytes(12 * MiB + 5);
    const args = ["upload", "-", `s3://${bucket}/piped.bin`, "-s", "5MiB", "--json"];
    const run = await feed([...args, "--state-dir", dir], env, bytes);
    assertEquals(run.code, 0, describeRun(run));
    await assertStoredWhole(server, bucket, "piped.bin", bytes);
    const json = onlyJson(run);
    assertEquals(json.size, bytes.length);
    assertEquals(json.parts, 3);
    assertEquals(json.read, {
      size: bytes.length,
      crc32: (crc32(bytes) >>> 0).toString(16).padStart(8, "0"),
      sha256: sha256Hex(bytes),
    });
    assertMatch(run.stderr, new RegExp(`State files: ${dir}/stream-${bucket}-piped\\.bin-`));
    assertMatch(run.stderr, /Read from the stream: 12582917 bytes, CRC32 [0-9a-f]{8}, SHA-256/);
    assertEquals([...Deno.readDirSync(dir)], [], "the state files are removed");
    await Deno.remove(dir, { recursive: true });
  });

  Deno.test(`${server.name}: killed with SIGKILL, the same stream resumes; no journaled part is sent again`, async () => {
    const bucket = await createTestBucket(server);
    const state = await stateDir();
    const proxy = await startFaultProxy({ target: server.endpoint, capture: true });
    try {
      const bytes = randomBytes(40 * MiB);
      const args = streamArgs(bucket, "resumed.bin", state)("--endpoint-url", proxy.url, "-t", "2");
      const journaled = await killPartWay(args, env, bytes, state, {
        fedBytes: 22 * MiB,
        parts: 2,
      });
      await proxy.settled();
      const before = proxy.captured.length;
      const run = await feed([...args, "--json"], env, bytes);
      assertEquals(run.code, 0, describeRun(run));
      await assertStoredWhole(server, bucket, "resumed.bin", bytes);
      const sent = proxy.captured.slice(before)
        .filter((r) => r.operation === "UploadPart")
        .map((r) => Number(new URL(r.url, proxy.url).searchParams.get("partNumber")));
      report(
        `${server.name}: journaled ${journaled.join(",")}; resumed run sent ${sent.join(",")}`,
      );
      assertEquals(sent.filter((n) => journaled.includes(n)), [], "no journaled part sent again");
      assertEquals(sent.length, 8 - journaled.length);
      assertEquals(onlyJson(run).partsUploaded, 8 - journaled.length);
    } finally {
      await proxy.close();
      await Deno.remove(state.dir, { recursive: true });
    }
  });

  Deno.test(`${server.name}: a different stream, or one that ends early, on resume is exit 4 with nothing completed`, async () => {
    const bucket = await createTestBucket(server);
    const state = await stateDir();
    const proxy = await startFaultProxy({ target: server.endpoint, capture: true });
    try {
      const bytes = randomBytes(30 * MiB);
      const args = streamArgs(bucket, "other.bin", state)("--endpoint-url", proxy.url, "-t", "1");
      const journaled = await killPartWay(args, env, bytes, state, {
        fedBytes: 16 * MiB,
        parts: 2,
      });
      assertOk(journaled.includes(1) && journaled.includes(2), `journaled ${journaled}`);
      await proxy.settled();
      const before = proxy.captured.length;
      const other = bytes.slice();
      other[5 * MiB + 3] ^= 0x40; // inside part 2
      const differs = await feed(args, env, other);
      assertEquals(differs.code, 4, describeRun(differs));
      assertMatch(differs.stderr, /Part 2 of the stream .*not the one that was interrupted/);
      assertMatch(differs.stderr, /--restart to upload this stream/);
      const short = await feed(args, env, bytes.subarray(0, 7 * MiB));
      assertEquals(short.code, 4, describeRun(short));
      assertMatch(short.stderr, /The stream ended after 7340032 bytes/);
      const calls = proxy.captured.slice(before).map((r) => r.operation);
      assertEquals(calls.filter((op) => op === "UploadPart"), [], "nothing sent");
      assertEquals(calls.filter((op) => op === "CompleteMultipartUpload"), [], "nothing completed");
      assertEquals(await headETag(server, bucket, "other.bin"), undefined, "no object");
      // The state is kept: the right stream still finishes the upload.
      const right = await feed(args, env, bytes);
      assertEquals(right.code, 0, describeRun(right));
      await assertStoredWhole(server, bucket, "other.bin", bytes);
    } finally {
      await proxy.close();
      await Deno.remove(state.dir, { recursive: true });
    }
  });

  Deno.test(`${server.name}: an empty stream is an empty object`, async () => {
    const bucket = await createTestBucket(server);
    const state = await stateDir();
    const run = await feed(streamArgs(bucket, "empty.bin", state)(), env, new Uint8Array(0));
    assertEquals(run.code, 0, describeRun(run));
    await assertStoredWhole(server, bucket, "empty.bin", new Uint8Array(0));
    await Deno.remove(state.dir, { recursive: true });
  });
}

const minio = servers.find((s) => s.name === "minio");
if (minio) registerMinioOnly(minio);

function registerMinioOnly(server: TestServer): void {
  const env = serverEnv(server);

  Deno.test(`${server.name}: a stream past --expected-size is stored whole in growing parts`, async () => {
    const bucket = await createTestBucket(server);
    const state = await stateDir();
    const bytes = randomBytes(30 * MiB);
    const args = streamArgs(bucket, "grown.bin", state)(
      "--expected-size",
      "10MiB",
      "--provider",
      "minio",
      "--json",
    );
    const run = await feed(args, env, bytes);
    assertEquals(run.code, 0, describeRun(run));
    await assertStoredWhole(server, bucket, "grown.bin", bytes);
    // 5 MiB parts hold the expected 10 MiB; the parts after them are larger (docs/pipes.md).
    assertOk((onlyJson(run).parts as number) < 6, describeRun(run));
    await Deno.remove(state.dir, { recursive: true });
  });

  Deno.test(`${server.name}: SIGTERM while the producer stalls keeps the state (exit 130); the same stream resumes`, async () => {
    const bucket = await createTestBucket(server);
    const state = await stateDir();
    const bytes = randomBytes(20 * MiB);
    const args = streamArgs(bucket, "stopped.bin", state)();
    const { child } = spawnS3mpuFed(args, env, bytes.subarray(0, 12 * MiB), { close: false });
    await waitForLines(state.parts, 2);
    child.kill("SIGTERM");
    const stopped = await collect(child);
    assertEquals(stopped.code, 130, describeRun(stopped));
    const text = await Deno.readTextFile(state.parts);
    assertOk(text.endsWith("\n"), "no half-written journal line");
    const run = await feed(args, env, bytes);
    assertEquals(run.code, 0, describeRun(run));
    await assertStoredWhole(server, bucket, "stopped.bin", bytes);
    await Deno.remove(state.dir, { recursive: true });
  });

  Deno.test(`${server.name}: a FIFO and a process substitution are read as streams`, async () => {
    const bucket = await createTestBucket(server);
    const state = await stateDir();
    const source = await randomFile(11 * MiB);
    try {
      const fifo = `${state.dir}/fifo`;
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assertEquals(made.code, 0);
      const child = spawnS3mpu(
        streamArgs(bucket, "fifo.bin", state)().map((a) => a === "-" ? fifo : a),
        env,
      );
      const writer = await Deno.open(fifo, { write: true });
      await writer.write(source.bytes).then(() => writer.close());
      const run = await collect(child);
      assertEquals(run.code, 0, describeRun(run));
      await assertStoredWhole(server, bucket, "fifo.bin", source.bytes);

      const args = streamArgs(bucket, "subst.bin", state)().map((a) =>
        a === "-" ? '<(cat "$SOURCE")' : `'${a}'`
      );
      const shell = await new Deno.Command("bash", {
        args: ["-c", `exec "$DENO" run -A --quiet "$MAIN" ${args.join(" ")}`],
        env: { ...env, NO_COLOR: "1", SOURCE: source.path, DENO: Deno.execPath(), MAIN },
      }).output();
      const stderr = new TextDecoder().decode(shell.stderr);
      assertEquals(shell.code, 0, stderr);
      await assertStoredWhole(server, bucket, "subst.bin", source.bytes);
    } finally {
      await source.cleanup();
      await Deno.remove(state.dir, { recursive: true });
    }
  });

  Deno.test(`${server.name}: 300 MiB piped from a producer process is stored whole`, async () => {
    const bucket = await createTestBucket(server);
    const state = await stateDir();
    const source = await randomFile(300 * MiB);
    try {
      const args = streamArgs(bucket, "big.bin", state, "16MiB")("--json")
        .map((a) => `'${a}'`);
      const started = performance.now();
      const shell = await new Deno.Command("bash", {
        args: ["-c", `cat "$SOURCE" | "$DENO" run -A --quiet "$MAIN" ${args.join(" ")}`],
        env: { ...env, NO_COLOR: "1", SOURCE: source.path, DENO: Deno.execPath(), MAIN },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const seconds = (performance.now() - started) / 1000;
      const run = {
        code: shell.code,
        stdout: new TextDecoder().decode(shell.stdout),
        stderr: new TextDecoder().decode(shell.stderr),
      };
      assertEquals(run.code, 0, describeRun(run));
      await assertStoredWhole(server, bucket, "big.bin", source.bytes);
      assertEquals((onlyJson(run).read as { sha256: string }).sha256, sha256Hex(source.bytes));
      report(`${server.name}: 300 MiB stream in ${seconds.toFixed(1)} s`);
    } finally {
      await source.cleanup();
      await Deno.remove(state.dir, { recursive: true });
    }
  });
}
