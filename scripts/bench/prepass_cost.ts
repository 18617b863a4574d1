/**
 * What the checksum pre-pass of streamed parts costs: sums every part of a file the way an
 * upload does (src/transfer/part_stream.ts, page-cache reads into one reused buffer), once per
 * algorithm, and prints wall and CPU seconds per GiB. That is the most an aws-chunked
 * trailer (x-amz-trailer: the checksum after the body, no first pass) could save.
 *
 *   deno run -A scripts/bench/prepass_cost.ts FILE [PART_MIB=64] [READ_KIB]

READ_KIB (default: the upload's first-pass buffer) is the size of each read.
 *
 * The file is read once first so every pass reads from the page cache, as the upload's
 * first pass does when it follows the last part's send (and the send follows the pass).
 *
 * @module
 */
import process from "node:process";
import { openFileSource } from "../../src/plan/part_source.ts";
import { plannedParts } from "../../src/plan/part_plan.ts";
import { firstPassBytes, sumPart } from "../../src/transfer/part_stream.ts";
import type { ChecksumAlgorithm } from "../../backends/types.ts";

const [path, partMib = "64", readKib] = Deno.args;
if (!path) {
  console.error("usage: deno run -A scripts/bench/prepass_cost.ts FILE [PART_MIB]");
  Deno.exit(2);
}
const source = await openFileSource(path);
const parts = partsOf(source, Number(partMib) * 1024 * 1024);
const reader = await source.openReader();
const scratch = new Uint8Array(readKib ? Number(readKib) * 1024 : firstPassBytes(4));
const gib = source.fingerprint.size / 2 ** 30;
try {
  await pass("none"); // warms the page cache
  console.log(`reads of ${scratch.length / 1024} KiB, parts of ${partMib} MiB`);
  for (const algorithm of ["none", "crc32", "md5"] as ChecksumAlgorithm[]) {
    const { wall, cpu } = await pass(algorithm);
    console.log(
      `pre-pass ${algorithm.padEnd(5)} (${
        algorithm === "none" ? "crc32 check only" : "checksum"
      }): ${(wall / gib).toFixed(3)} s wall, ${(cpu / gib).toFixed(3)} s CPU per GiB`,
    );
  }
} finally {
  reader.close();
}

async function pass(algorithm: ChecksumAlgorithm): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const part of parts) await sumPart(reader, part, algorithm, scratch);
  const used = process.cpuUsage(cpu0);
  return { wall: (performance.now() - t0) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** The source cut into parts of `partSize` (a chunk directory: its chunks). */
function partsOf(source: Awaited<ReturnType<typeof openFileSource>>, partSize: number) {
  const fileSize = source.fingerprint.size;
  const chunkSizes = source.chunkSizes;
  return plannedParts({
    fileSize,
    partSize,
    partCount: Math.ceil(fileSize / partSize),
    chunkSizes,
  });
}
