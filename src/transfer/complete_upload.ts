import type { CompletedUpload, UploadedPart } from "../../backends/types.ts";
import { BackendError, NeedsDecisionError, RESTART, say } from "../errors.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { type ExpectedObject, type Proof, proveObject } from "./object_proof.ts";
import type { RunJob } from "./upload_job.ts";
import type { UploadSession } from "./upload_session.ts";

/** How far the store's clock may run behind ours when comparing an object's age. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What completing needs besides the job. */
export interface CompleteRequest {
  job: RunJob;
  /** The upload being completed: its id and the checksum its parts carry. */
  session: UploadSession;
  parts: JournalEntry[];
  /** What the object must prove to be (see object_proof.ts). */
  expected: ExpectedObject;
  /** When this upload was created: an object older than that is not its result. */
  createdAt: Date;
  signal: AbortSignal;
}

/**
 * Completes the upload with every part in order, then proves that the stored object is the
 * bytes sent (its checksum or multipart ETag, from the answer or from HeadObject) before
 * anything counts as done.
 *
 * If Complete fails in any way (including NoSuchUpload because an earlier, killed run's
 * Complete went through) an object at the key counts as this upload's only when its content
 * checksum proves it and it is not older than the upload; otherwise the failure stands.
 */
export async function completeUpload(req: CompleteRequest): Promise<CompletedUpload> {
  const { job, session, signal, expected } = req;
  const parts: UploadedPart[] = req.parts.map((p) => ({
    partNumber: p.partNumber,
    eTag: p.eTag,
    ...(p.checksum ? { checksum: p.checksum } : {}),
  }));
  const whole = expected.checksum?.type === "FULL_OBJECT" ? expected.checksum : undefined;
  let completed: CompletedUpload;
  try {
    completed = await job.context.backend.completeMultipartUpload({
      bucket: job.request.bucket,
      key: job.request.key,
      uploadId: session.uploadId,
      parts,
      checksumAlgorithm: session.checksumAlgorithm,
      ...(whole ? { fullObjectChecksum: whole.value, checksumType: "FULL_OBJECT" } : {}),
    }, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    job.context.logger.verbose(
      `Completion failed (${describeFailure(error)}); checking whether the object is there.`,
    );
    const settled = await findOwnObject(req);
    if (!settled) throw error;
    job.context.logger.info(
      `The object is already complete on the server (ETag ${settled.eTag}, proved by its ${settled.by}).`,
    );
    await abortIfOpen(req);
    return settled;
  }
  await confirmStored(req, completed);
  return completed;
}

/**
 * Proves a completed object: first from Complete's own answer, else from HeadObject. A
 * checksum or ETag that differs means the store holds other bytes: exit 4, state kept.
 * Where the store reports nothing comparable, only presets that promise no proof pass.
 */
async function confirmStored(req: CompleteRequest, completed: CompletedUpload): Promise<void> {
  const { job, expected } = req;
  let proof = proveObject(completed, expected);
  // Complete's answer describes what was stored: a value there that differs is final. Only
  // an answer with nothing to compare sends us to HeadObject.
  const answerDiffers = !proof.proved && proof.mismatch && checksumSpoke(completed, expected);
  if (!proof.proved && !answerDiffers) {
    const head = await headOrUndefined(req);
    if (head) proof = proveObject(head, expected);
  }
  if (proof.proved) {
    job.context.logger.verbose(`The stored object is proved by its ${proof.by}.`);
    return;
  }
  // Presets that promise a proof (a whole-object checksum, or MD5 ETags), or a store whose
  // part ETags showed in this upload to be the MD5s of the bytes sent.
  const promised = expected.checksum !== undefined || job.rules.etagIsMd5 ||
    expected.eTagsShownMd5 === true;
  if (promised) throw notTheBytes(req, proof);
  job.context.logger.warn(
    proof.mismatch
      ? `The store's ETag does not follow S3's MD5 scheme (${proof.reason}); the parts were accepted with their checksums. Check with s3mpu verify --download.`
      : `Could not prove the stored bytes (${proof.reason}); this store's preset gives no whole-object checksum. Check with s3mpu verify --download.`,
  );
}

/** Whether the answer carried a checksum of the kind expected (so its verdict counts). */
function checksumSpoke(completed: CompletedUpload, expected: ExpectedObject): boolean {
  const got = completed.checksum, want = expected.checksum;
  return got !== undefined && want !== undefined && got.algorithm === want.algorithm &&
    got.type === want.type;
}

function notTheBytes(
  req: CompleteRequest,
  proof: Extract<Proof, { proved: false }>,
): NeedsDecisionError {
  return new NeedsDecisionError(
    say`The object s3://${req.job.request.bucket}/${req.job.request.key} is not proved to hold the bytes sent: ${proof.reason}. State kept in ${req.job.state.name}; run again with ${RESTART} to upload the file again.`,
  );
}

/**
 * The object at the key, if its content checksum (or multipart ETag) proves it is what this
 * upload's parts make and it is not older than the upload; undefined otherwise.
 */
export async function findOwnObject(
  req: Omit<CompleteRequest, "session" | "parts">,
): Promise<(CompletedUpload & { by: string }) | undefined> {
  const { job, expected } = req;
  const head = await headOrUndefined(req);
  if (!head) return undefined;
  const proof = proveObject(head, expected);
  if (!proof.proved) {
    job.context.logger.verbose(`The object at the key is not this upload's: ${proof.reason}.`);
    return undefined;
  }
  const earliest = req.createdAt.getTime() - CLOCK_SKEW_MS;
  if (head.lastModified && head.lastModified.getTime() < earliest) {
    job.context.logger.verbose(
      `The object at the key has this upload's content but predates it (${head.lastModified.toISOString()}); not counting it.`,
    );
    return undefined;
  }
  return {
    eTag: head.eTag,
    ...(head.versionId ? { versionId: head.versionId } : {}),
    ...(head.checksum ? { checksum: head.checksum } : {}),
    by: proof.by,
  };
}

/** The object at the key, or undefined: none there, or a store that cannot describe objects. */
async function headOrUndefined(req: Omit<CompleteRequest, "session" | "parts">) {
  const { job, signal } = req;
  const { backend } = job.context;
  if (!backend.headObject) return undefined;
  try {
    return await backend.headObject({
      bucket: job.request.bucket,
      key: job.request.key,
    }, signal);
  } catch (error) {
    if (error instanceof BackendError && error.kind === "not_found") return undefined;
    throw error;
  }
}

/**
 * After settling on an object, this run's own upload (its id is in the meta file, so it is
 * provably ours) may still be open if its Complete really failed: abort it so it is not billed.
 */
async function abortIfOpen(req: CompleteRequest): Promise<void> {
  const { job, signal } = req;
  const { uploadId } = req.session;
  try {
    await job.context.backend.abortMultipartUpload({
      bucket: job.request.bucket,
      key: job.request.key,
      uploadId,
    }, signal);
    job.context.logger.info(`Aborted this run's upload ${uploadId}, which was still open.`);
  } catch (error) {
    if (error instanceof BackendError && error.kind === "no_such_upload") return;
    job.context.logger.warn(
      `Could not abort this run's upload ${uploadId} (${
        describeFailure(error)
      }); find it with s3mpu list -b ${job.request.bucket} --prefix ${job.request.key}.`,
    );
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof BackendError) {
    return `${error.details.code ?? error.details.status ?? error.kind}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
