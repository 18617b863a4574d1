/**
 * The read-back: where the store keeps no value of its own that proves the object (no
 * checksum, ETags not promised to be MD5s), the object is read back before exit 0, one ranged
 * GET per part with `-t` in parallel, each streamed through a checksum in constant memory and
 * compared with the value s3mpu computed from the bytes it sent (the journal's CRC32, or its
 * checksum of another algorithm; in a journal that has neither, the file's part read again).
 *
 * @module
 */
import type { Backend, ChecksumAlgorithm, ObjectRef } from "../../backends/types.ts";
import { checksumHasher } from "../../backends/checksum.ts";
import { BackendError } from "../errors.ts";
import type { SourcePart } from "../plan/part_source.ts";
import { backoffDelay, sleep } from "../transport/retry.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { Proof } from "./object_proof.ts";
import { firstPassBytes } from "./part_stream.ts";
import type { UploadJob } from "./upload_job.ts";

/** What to read back. */
export interface ReadBackRequest {
  job: UploadJob;
  /** Every part of the object, in order, with its planned size (none for an empty object). */
  parts: JournalEntry[];
  /** The upload's checksum algorithm: what the journal's `checksum` is. */
  algorithm: ChecksumAlgorithm;
  signal: AbortSignal;
}

/** What one part's bytes must sum to, in which algorithm. */
interface Target {
  part: SourcePart;
  algorithm: ChecksumAlgorithm;
  /** Undefined: the journal has no value; the file's part is read to get one. */
  value?: string;
}

/**
 * Reads the object back and compares every part; proved ("read-back") only when all match.
 * A read that breaks off mid-stream is tried again from its start, as the retry policy allows;
 * one the store refuses is classified as any other request (AccessDenied: exit 2, naming
 * s3:GetObject and --no-read-back).
 */
export async function readBack(req: ReadBackRequest): Promise<Proof> {
  const { job } = req;
  const backend = job.context.backend;
  if (!backend.readObject) {
    throw new BackendError("invalid_request", `${backend.name} cannot read objects back.`, {
      fix: "pass --no-read-back to finish without a proof",
    });
  }
  const targets = targetsOf(req);
  const size = targets.reduce((n, t) => n + t.part.size, 0);
  job.context.logger.info(
    `Reading the object back to prove it (the store keeps no checksum of its own): ${
      Math.max(1, targets.length)
    } request(s), ${size} bytes.`,
  );
  const started = performance.now();
  const ref = { bucket: job.request.bucket, key: job.request.key };
  try {
    if (targets.length === 0) {
      const { bytes } = await readRange(job, backend, ref, undefined, "crc32", req.signal);
      return bytes === 0
        ? { proved: true, by: "read-back" }
        : { proved: false, mismatch: true, reason: `read back, it holds ${bytes} bytes, not 0` };
    }
    const differing = await compareAll(req, backend, ref, targets);
    job.context.logger.verbose(
      `Read back ${size} bytes in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
    if (differing.length === 0) return { proved: true, by: "read-back" };
    return {
      proved: false,
      mismatch: true,
      reason: `read back: part ${differing.join(", ")} differ${
        differing.length === 1 ? "s" : ""
      } from the bytes sent`,
    };
  } catch (error) {
    throw explained(error);
  }
}

/** The part numbers whose bytes on the store differ, read with `-t` workers. */
async function compareAll(
  req: ReadBackRequest,
  backend: Backend,
  ref: ObjectRef,
  targets: Target[],
): Promise<number[]> {
  const { job, signal } = req;
  const differing: number[] = [];
  const queue = targets[Symbol.iterator]();
  const worker = async () => {
    for (let next = queue.next(); !next.done; next = queue.next()) {
      const { part, algorithm } = next.value;
      const want = next.value.value ?? await sumOfFile(job, part, signal);
      const range = { offset: part.offset, length: part.size };
      const got = await readRange(job, backend, ref, range, algorithm, signal);
      if (got.bytes !== part.size || got.value !== want) differing.push(part.partNumber);
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.request.threads, targets.length) }, worker));
  return differing.sort((a, b) => a - b);
}

/** Each part's place in the object and the value its bytes must sum to. */
function targetsOf(req: ReadBackRequest): Target[] {
  let offset = 0;
  return req.parts.map((entry) => {
    const part = { partNumber: entry.partNumber, offset, size: entry.size ?? 0 };
    offset += part.size;
    if (entry.crc32) return { part, algorithm: "crc32", value: entry.crc32 };
    if (entry.checksum && req.algorithm !== "none") {
      return { part, algorithm: req.algorithm, value: entry.checksum };
    }
    return { part, algorithm: "crc32" };
  });
}

/** The CRC32 of the file's bytes of `part` (a journal line without a value of its own). */
async function sumOfFile(job: UploadJob, part: SourcePart, signal: AbortSignal): Promise<string> {
  const reader = await job.request.source.openReader();
  try {
    const sum = checksumHasher("crc32");
    for await (const slice of reader.slices(part, [new Uint8Array(firstPassBytes(1))])) {
      signal.throwIfAborted();
      sum.update(slice);
    }
    return sum.value();
  } finally {
    reader.close();
  }
}

/**
 * The checksum and length of `range` of the object (all of it when undefined), streamed. The
 * request itself is retried by the backend; a stream that breaks off is read again here.
 */
async function readRange(
  job: UploadJob,
  backend: Backend,
  ref: ObjectRef,
  range: { offset: number; length: number } | undefined,
  algorithm: ChecksumAlgorithm,
  signal: AbortSignal,
): Promise<{ value: string; bytes: number }> {
  const policy = job.context.retry;
  for (let attempt = 1;; attempt++) {
    const stream = await backend.readObject!(ref, signal, range ? { range } : undefined);
    const sum = checksumHasher(algorithm);
    let bytes = 0;
    try {
      for await (const chunk of stream) {
        sum.update(chunk);
        bytes += chunk.length;
      }
      return { value: sum.value(), bytes };
    } catch (error) {
      if (signal.aborted) throw new BackendError("aborted", "The read-back was cancelled.");
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= policy.maxAttempts) {
        throw new BackendError("retryable", `reading the object back broke off: ${message}`);
      }
      const delay = backoffDelay(policy, attempt, undefined, Math.random);
      job.context.logger.warn(
        `Retrying the read-back of bytes ${range?.offset ?? 0}+ in ${
          (delay / 1000).toFixed(1)
        } s after try ${attempt} of ${policy.maxAttempts} broke off: ${message}`,
      );
      await sleep(delay, signal);
    }
  }
}

/** A refused read names what it needs: GetObject permission, or --no-read-back. */
function explained(error: unknown): unknown {
  if (!(error instanceof BackendError) || error.kind !== "auth") return error;
  return new BackendError("auth", `reading the object back was refused: ${error.message}`, {
    ...error.details,
    fix:
      "Reading the object back (its only proof on this store) needs s3:GetObject: grant it, or pass --no-read-back to finish without a proof",
  });
}
