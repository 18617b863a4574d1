/**
 * An object with no parts to send (an empty file) goes up in one PutObject, as aws-cli,
 * s5cmd and rclone do, and is proved like any other: the store's checksum or MD5 ETag against
 * the one computed here, else read back. Nothing is journaled, so no state files are written;
 * a run that stops re-sends it whole.
 *
 * @module
 */
import type { ChecksumAlgorithm, ObjectChecksum } from "../../backends/types.ts";
import { computeChecksum, md5Hex } from "../../backends/checksum.ts";
import { collectSlices } from "../../backends/part_body.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { ExpectedObject } from "./object_proof.ts";
import { proveStored } from "./stored_proof.ts";
import type { RunJob, UploadJob, UploadResult } from "./upload_job.ts";
import { finished } from "./upload_result.ts";

/** Reads the source whole, puts it with its checksum, proves it; no state files. */
export async function putWhole(
  job: RunJob,
  signal: AbortSignal,
  startedAt: number,
): Promise<UploadResult> {
  const { source } = job.request;
  const size = source.fingerprint.size;
  job.context.logger.info(
    `Uploading the ${size}-byte file with one PutObject (nothing to resume, no state files).`,
  );
  const body = await readWhole(job, size);
  await source.checkUnchanged();
  // Content-MD5 where the preset allows no flexible checksum; a "none" upload still sends one.
  const algorithm: ChecksumAlgorithm = job.request.checksumAlgorithm === "none"
    ? "md5"
    : job.request.checksumAlgorithm;
  const value = computeChecksum(algorithm, body);
  const { backend } = job.context;
  if (!backend.putObject) throw new Error(`${backend.name} cannot put whole objects.`);
  const put = await backend.putObject({
    bucket: job.request.bucket,
    key: job.request.key,
    body,
    checksum: { algorithm, value },
  }, signal);
  const crc32 = computeChecksum("crc32", body);
  const checksums: ObjectChecksum[] = [{ algorithm: "crc32", value: crc32, type: "FULL_OBJECT" }];
  if (algorithm !== "md5" && algorithm !== "crc32") {
    checksums.push({ algorithm, value, type: "FULL_OBJECT" });
  }
  const expected: ExpectedObject = { size, checksums, eTag: md5Hex(body) };
  // A read-back compares the one range with the CRC32 computed here.
  const parts: JournalEntry[] = size === 0
    ? []
    : [{ partNumber: 1, eTag: put.eTag, uploadId: "", size, offset: 0, crc32 }];
  const proof = await proveStored({
    job,
    expected,
    parts,
    algorithm,
    advice: "Run the same command again to upload it again.",
    signal,
  }, put);
  return await finished(job, startedAt, {
    uploadId: null,
    eTag: put.eTag,
    versionId: put.versionId,
    size,
    partSize: 0,
    parts: 0,
    partsUploaded: 0,
    checksumAlgorithm: algorithm,
    proof,
  }, { madeState: false });
}

async function readWhole(job: UploadJob, size: number): Promise<Uint8Array> {
  if (size === 0) return new Uint8Array(0);
  const reader = await job.request.source.openReader();
  try {
    const part = { partNumber: 1, offset: 0, size };
    return await collectSlices(reader.slices(part, [new Uint8Array(Math.min(size, 1 << 20))]));
  } finally {
    reader.close();
  }
}
