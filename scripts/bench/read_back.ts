/**
 * What proving an object costs where the store keeps nothing of its own to compare: the
 * read-back (src/engine/read_back.ts: one ranged GET per part, -t in parallel, each summed
 * with CRC32 and compared), and the one HeadObject every upload now asks after Complete.
 * Uploads FILE (default: 1 GiB of random bytes) to the MinIO of scripts/servers.sh with the
 * CLI, then reads it back RUNS times in this process and prints wall and CPU seconds.
 *
 *   bash scripts/servers.sh start && set -a && . .cache/servers.env && set +a
 *   deno run -A scripts/bench/read_back.ts [FILE] [PART_MIB=16] [THREADS=4] [RUNS=3]
 *   (FILE "" or absent: 1 GiB of random bytes in a temp dir)
 *
 * @module
 */
import process from "node:process";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { S3Backend } from "../../backends/s3/s3_backend.ts";
import { sourceParts } from "../../src/plan/part_plan.ts";
import { getPreset } from "../../backends/presets.ts";
import { checksumHasher } from "../../backends/checksum.ts";
import { openFileSource } from "../../src/plan/part_source.ts";
import { readBack } from "../../src/transfer/read_back.ts";
import { retrying } from "../../src/transport/retrying_backend.ts";
import { createLogger } from "../../src/log.ts";
import { DEFAULT_RETRY } from "../../src/transport/retry.ts";
import type { UploadJob } from "../../src/transfer/upload_job.ts";
import type { JournalEntry } from "../../src/state/parts_journal.ts";

const [fileArg, partMib = "16", threads = "4", runs = "3"] = Deno.args;
const endpoint = Deno.env.get("S3MPU_TEST_MINIO_URL");
if (!endpoint) {
  console.error("Start the test servers and load .cache/servers.env first (see the header).");
  Deno.exit(2);
}
const credentials = {
  AWS_ACCESS_KEY_ID: Deno.env.get("S3MPU_TEST_MINIO_ACCESS_KEY")!,
  AWS_SECRET_ACCESS_KEY: Deno.env.get("S3MPU_TEST_MINIO_SECRET_KEY")!,
};
for (const [name, value] of Object.entries(credentials)) Deno.env.set(name, value);

const dir = await Deno.makeTempDir({ prefix: "s3mpu-bench-read-back-" });
const file = fileArg || `${dir}/source.bin`;
if (!fileArg) await writeRandom(file, 1024 * 1024 * 1024);
const bucket = `s3mpu-bench-${Date.now().toString(36)}`;
const key = "read-back.bin";
const partSize = Number(partMib) * 1024 * 1024;

const client = new S3Client({
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: {
    accessKeyId: credentials.AWS_ACCESS_KEY_ID,
    secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY,
  },
});
await client.send(new CreateBucketCommand({ Bucket: bucket }));
client.destroy();
const upload = await new Deno.Command(Deno.execPath(), {
  args: [
    ...["run", "-A", new URL("../../main.ts", import.meta.url).pathname, "upload", file],
    ...[`s3://${bucket}/${key}`, "--endpoint-url", endpoint, "--provider", "minio"],
    ...["-s", `${partMib}MiB`, "-t", threads, "--quiet", "--state-dir", dir],
  ],
  stdout: "null",
}).output();
if (!upload.success) Deno.exit(upload.code);

// The journal the upload kept: each part's CRC32 (computed here, outside the measurement).
const source = await openFileSource(file);
const parts: JournalEntry[] = [];
const reader = await source.openReader();
for (const part of sourceParts(source, partSize)) {
  const sum = checksumHasher("crc32");
  for await (const slice of reader.slices(part, [new Uint8Array(1 << 20)])) sum.update(slice);
  parts.push({ ...part, eTag: "", uploadId: "", crc32: sum.value() });
}
reader.close();

const preset = getPreset("minio");
const backend = retrying(
  new S3Backend({
    name: "s3 (minio)",
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    limits: preset.limits,
    http: {
      kind: "node",
      maxSockets: Number(threads),
      connectTimeoutMs: 5_000,
      requestTimeoutMs: 60_000,
    },
  }),
  { policy: DEFAULT_RETRY },
);
const job = {
  request: { bucket, key, source, threads: Number(threads) },
  rules: { etagIsMd5: true, provider: "minio" },
  context: { backend, retry: DEFAULT_RETRY, logger: createLogger("quiet") },
} as unknown as UploadJob;
const signal = new AbortController().signal;
const gib = source.fingerprint.size / 2 ** 30;
const heads: number[] = [];
for (let i = 0; i < 20; i++) {
  const started = performance.now();
  await backend.headObject!({ bucket, key }, signal);
  heads.push(performance.now() - started);
}
console.log(`HeadObject (ChecksumMode ENABLED): median ${median(heads).toFixed(1)} ms of 20`);
const results: { wall: number; cpu: number }[] = [];
for (let i = 0; i < Number(runs); i++) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const proof = await readBack({ job, parts, algorithm: "crc32", signal });
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (!proof.proved) throw new Error(`the read-back did not prove the object: ${proof.reason}`);
  results.push({ wall, cpu: (used.user + used.system) / 1e6 });
  console.log(`read-back ${i + 1}: ${wall.toFixed(2)} s wall, ${results[i].cpu.toFixed(2)} s CPU`);
}
console.log(
  `read-back of ${
    gib.toFixed(2)
  } GiB in ${parts.length} parts of ${partMib} MiB, -t ${threads}: median ${
    median(results.map((r) => r.wall)).toFixed(2)
  } s wall, ${median(results.map((r) => r.cpu)).toFixed(2)} s client CPU (${runs} runs)`,
);
backend.close();
await Deno.remove(dir, { recursive: true });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function writeRandom(path: string, size: number): Promise<void> {
  const out = await Deno.open(path, { write: true, create: true });
  const block = new Uint8Array(1 << 20);
  for (let written = 0; written < size; written += block.length) {
    for (let at = 0; at < block.length; at += 65536) {
      crypto.getRandomValues(block.subarray(at, at + 65536));
    }
    await out.write(block);
  }
  out.close();
}
