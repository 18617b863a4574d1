/**
 * Proving a small file of a tree put in one PutObject, by the rules a multipart object is
 * proved by (docs/guarantees.md): a value the store computed from the bytes it holds, compared
 * with one computed here from the bytes read; a value the store may merely echo (the checksum
 * header sent) proves nothing. The bytes are still in memory, so a read-back is one GetObject
 * compared with them.
 *
 * @module
 */
import { checksumHasher, computeChecksum, md5Hex } from "../../backends/checksum.ts";
import { BackendError } from "../../backends/errors.ts";
import type {
  Backend,
  ChecksumAlgorithm,
  CompletedUpload,
  ObjectChecksum,
  ObjectRef,
} from "../../backends/types.ts";
import { NeedsDecisionError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type ExpectedObject, type Proof, type ProofName, proveObject } from "./object_proof.ts";

/** What the proof of one put knows of the store and the run. */
export interface SmallProofRules {
  backend: Backend;
  /** The preset says a single object's ETag is the MD5 of its bytes (unless SSE-KMS/SSE-C). */
  etagIsMd5: boolean;
  /** false (--no-read-back): an object nothing else proves is kept with a warning. */
  readBack: boolean;
  logger?: Logger;
}

/**
 * Proves the object `put` answered for holds `bytes`, or throws exit 4 naming the difference;
 * "none" (with a warning) only where nothing proves it and the read-back was turned off.
 */
export async function proveSmallObject(
  ref: ObjectRef & { path: string },
  bytes: Uint8Array,
  algorithm: ChecksumAlgorithm,
  put: CompletedUpload,
  rules: SmallProofRules,
  signal: AbortSignal,
): Promise<ProofName> {
  const expected = expectedOf(bytes, algorithm);
  // A checksum in the answer may echo the header sent: a match proves nothing, but a value
  // that differs means the store kept other bytes.
  const echoed = proveObject({ ...put, eTag: "" }, expected, { etagIsMd5: false });
  if (!echoed.proved && echoed.mismatch) throw notProved(ref, echoed.reason);
  // The answer's ETag is the one HeadObject would show, computed by the store: where it is the
  // MD5 of these bytes on a store whose ETags are MD5s, that proves them with no request more.
  // One that differs may be an SSE-KMS ETag, which only HeadObject can tell: it decides below.
  if (rules.etagIsMd5 && put.eTag.toLowerCase() === expected.eTag) return "md5-etag";
  const proof = await judgeByHead(ref, expected, rules, signal);
  if (proof.proved) return proof.by;
  if (proof.mismatch) throw notProved(ref, proof.reason);
  if (!rules.readBack) {
    rules.logger?.warn(
      `The object s3://${ref.bucket}/${ref.key} is NOT proved to hold ${ref.path} (${proof.reason}, and --no-read-back skipped reading it back).`,
    );
    return "none";
  }
  return await readBackWhole(ref, bytes, rules.backend, signal);
}

/** What HeadObject's values say (nothing, from a store that cannot describe objects). */
async function judgeByHead(
  ref: ObjectRef & { path: string },
  expected: ExpectedObject,
  rules: SmallProofRules,
  signal: AbortSignal,
): Promise<Proof> {
  if (!rules.backend.headObject) {
    return {
      proved: false,
      mismatch: false,
      reason: `${rules.backend.name} cannot describe objects`,
    };
  }
  const head = await rules.backend.headObject(ref, signal).catch((error) => {
    if (error instanceof BackendError && error.kind === "not_found") return undefined;
    throw error;
  });
  if (!head) throw notProved(ref, "the store accepted it but does not show it at the key");
  return proveObject(head, expected, { etagIsMd5: rules.etagIsMd5 });
}

/** The CRC32 (and the upload's algorithm, when another) of the bytes, and their MD5 ETag. */
function expectedOf(bytes: Uint8Array, algorithm: ChecksumAlgorithm) {
  const checksums: ObjectChecksum[] = [{
    algorithm: "crc32",
    value: computeChecksum("crc32", bytes),
    type: "FULL_OBJECT",
  }];
  if (algorithm !== "md5" && algorithm !== "none" && algorithm !== "crc32") {
    checksums.push({ algorithm, value: computeChecksum(algorithm, bytes), type: "FULL_OBJECT" });
  }
  return { size: bytes.length, checksums, eTag: md5Hex(bytes) } satisfies ExpectedObject;
}

/** Reads the object whole and compares it with the bytes sent. */
async function readBackWhole(
  ref: ObjectRef & { path: string },
  bytes: Uint8Array,
  backend: Backend,
  signal: AbortSignal,
): Promise<ProofName> {
  if (!backend.readObject) {
    throw new BackendError("invalid_request", `${backend.name} cannot read objects back.`, {
      fix: "pass --no-read-back to finish without a proof",
    });
  }
  const sum = checksumHasher("crc32");
  let offset = 0;
  for await (const chunk of await backend.readObject(ref, signal)) {
    sum.update(chunk);
    offset += chunk.length;
  }
  const same = sum.value() === computeChecksum("crc32", bytes);
  if (same && offset === bytes.length) return "read-back";
  throw notProved(
    ref,
    offset === bytes.length
      ? "read back, its bytes differ from the file's"
      : `read back, it holds ${offset} bytes, not ${bytes.length}`,
  );
}

function notProved(ref: ObjectRef & { path: string }, reason: string): NeedsDecisionError {
  return new NeedsDecisionError(
    `The object s3://${ref.bucket}/${ref.key} is not proved to hold ${ref.path}: ${reason}. Run again to send it again, or check the store.`,
    { code: "not_proved" },
  );
}
