/**
 * Proving the object at the key: after a Complete or PutObject, and when a lost or earlier
 * Complete must be settled. HeadObject (ChecksumMode ENABLED) gives what the store computed;
 * it is compared with what s3mpu computed from the bytes it read (object_proof.ts), and where
 * the store keeps nothing comparable the object is read back (read_back.ts). A value the store
 * merely echoes (a checksum in Complete's answer, a multipart ETag of the part ETags it
 * answered) proves nothing.
 *
 * @module
 */
import type {
  ChecksumAlgorithm,
  CompletedUpload,
  ObjectInfo,
  ObjectRef,
} from "../../backends/types.ts";
import { BackendError, NeedsDecisionError, ResumableError, say, type Wording } from "../errors.ts";
import { sleep } from "../transport/retry.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import {
  describeProof,
  type ExpectedObject,
  type Proof,
  type ProofName,
  proveObject,
} from "./object_proof.ts";
import { readBack } from "./read_back.ts";
import type { UploadJob } from "./upload_job.ts";

/** How far the store's clock may run behind ours when comparing an object's age. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What a proof needs: the object expected, and its parts for a read-back. */
export interface ProofRequest {
  job: UploadJob;
  expected: ExpectedObject;
  /** Every part in order with its planned size; empty for an object put whole. */
  parts: JournalEntry[];
  /** The upload's checksum algorithm: what a journal `checksum` is. */
  algorithm: ChecksumAlgorithm;
  /** What the user can do when the object is not the bytes sent (the end of the message). */
  advice: string | Wording;
  signal: AbortSignal;
}

/** A verdict; `unread` when nothing comparable was there and --no-read-back skipped the read. */
type Verdict = Proof & { unread?: true };

/**
 * Proves the object the store just answered for (`answered`: Complete's or PutObject's
 * answer) and names the proof. A difference anywhere is exit 4; where nothing proves it and
 * --no-read-back was given, a warning and "none".
 */
export async function proveStored(
  req: ProofRequest,
  answered: CompletedUpload,
): Promise<ProofName> {
  const { job } = req;
  // The answer's checksum may be an echo of what was sent: a match proves nothing, but a
  // value that differs means the store kept other bytes.
  const said = proveObject({ ...answered, eTag: "" }, req.expected, { etagIsMd5: false });
  if (!said.proved && said.mismatch) throw notTheBytes(req, said.reason);
  const head = await headOrUndefined(req);
  if (!head) {
    throw new ResumableError(
      say`The store accepted the object but does not show it at ${where(job)} yet. ${req.advice}`,
    );
  }
  const verdict = await judge(req, head);
  if (verdict.proved) {
    job.context.logger.verbose(`The stored object is proved by ${describeProof(verdict.by)}.`);
    return verdict.by;
  }
  if (verdict.mismatch) throw notTheBytes(req, verdict.reason);
  job.context.logger.warn(
    `The object ${
      where(job)
    } is NOT proved to hold the bytes sent (${verdict.reason}); check it with s3mpu verify --download.`,
  );
  return "none";
}

/** What settling on an earlier or lost Complete needs besides the proof. */
export interface SettleRequest extends Omit<ProofRequest, "advice"> {
  /** When the upload was created: an object older than that is not its result. */
  createdAt: Date;
  /**
   * Look again for this long (in growing steps, each logged under -v) while no proved
   * object is there: a Complete killed with its run may still be running on the server.
   */
  waitMs?: number;
}

/** An object at the key proved to be this upload's, or why none was found. */
export type Settled =
  | { object: CompletedUpload & { proof: ProofName } }
  | { object?: undefined; reason: string };

/**
 * The object at the key, if it is not older than the upload and a value the store computed
 * (or a read-back) proves it is what this upload's parts make. Size and part count prove
 * nothing; an object nothing proves is never taken (with --no-read-back the reason says so).
 */
export async function findOwnObject(req: SettleRequest): Promise<Settled> {
  const { logger } = req.job.context;
  const deadline = Date.now() + (req.waitMs ?? 0);
  for (let step = 0;; step++) {
    const found = await lookOnce(req);
    if (found.object) return found;
    const left = deadline - Date.now();
    if (left <= 0) return found;
    const delay = Math.min(left, 500 * 2 ** step);
    logger.verbose(
      `No object proved to be this upload's is at the key (${found.reason}); a Complete may still be running on the server: looking again in ${
        (delay / 1000).toFixed(1)
      } s.`,
    );
    await sleep(delay, req.signal);
  }
}

async function lookOnce(req: SettleRequest): Promise<Settled> {
  const head = await headOrUndefined(req);
  if (!head) return { reason: "there is no object at the key" };
  const earliest = req.createdAt.getTime() - CLOCK_SKEW_MS;
  if (head.lastModified && head.lastModified.getTime() < earliest) {
    return {
      reason: `the object at the key predates the upload (${head.lastModified.toISOString()})`,
    };
  }
  const verdict = await judge(req, head);
  if (!verdict.proved) {
    const reason = verdict.unread
      ? `${verdict.reason}: run without --no-read-back to read it back`
      : `the object at the key is not this upload's: ${verdict.reason}`;
    req.job.context.logger.verbose(`${reason[0].toUpperCase()}${reason.slice(1)}.`);
    return { reason };
  }
  return {
    object: {
      eTag: head.eTag,
      ...(head.versionId ? { versionId: head.versionId } : {}),
      ...(head.checksum ? { checksum: head.checksum } : {}),
      proof: verdict.by,
    },
  };
}

/** The store's own values first; a read-back only where they compare nothing. */
async function judge(req: Omit<ProofRequest, "advice">, head: ObjectInfo): Promise<Verdict> {
  const { job } = req;
  const proof = proveObject(head, req.expected, { etagIsMd5: job.rules.etagIsMd5 });
  if (proof.proved || proof.mismatch) return proof;
  if (job.request.readBack === false) {
    return {
      ...proof,
      reason: `${proof.reason}, and --no-read-back skipped reading it back`,
      unread: true,
    };
  }
  return await readBack({ job, parts: req.parts, algorithm: req.algorithm, signal: req.signal });
}

async function headOrUndefined(req: { job: UploadJob; signal: AbortSignal }) {
  const { job, signal } = req;
  const { backend } = job.context;
  if (!backend.headObject) return undefined; // a store that cannot describe objects
  try {
    return await backend.headObject(refOf(job), signal);
  } catch (error) {
    if (error instanceof BackendError && error.kind === "not_found") return undefined;
    throw error;
  }
}

function refOf(job: UploadJob): ObjectRef {
  return { bucket: job.request.bucket, key: job.request.key };
}

function where(job: UploadJob): string {
  return `s3://${job.request.bucket}/${job.request.key}`;
}

function notTheBytes(req: ProofRequest, reason: string): NeedsDecisionError {
  return new NeedsDecisionError(
    say`The object ${
      where(req.job)
    } is not proved to hold the bytes sent: ${reason}. ${req.advice}`,
    { code: "not_proved" },
  );
}
