/**
 * A small file of a tree in one PutObject: read whole (the put budget caps the bytes held at
 * once), its checksum sent for the store to verify, and the object proved to be the file's
 * bytes before it counts as done (small_proof.ts), as a multipart object is.
 *
 * @module
 */
import { partChecksum } from "../../backends/checksum.ts";
import { slicer } from "../../backends/rate_limit.ts";
import type { Backend, ChecksumAlgorithm } from "../../backends/types.ts";
import type { ObjectOptions } from "../../backends/object_options.ts";
import { ResumableError, UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ProofName } from "./object_proof.ts";
import { proveSmallObject } from "./small_proof.ts";
import type { TransferEvents } from "./events.ts";
import type { Scheduler } from "./scheduler.ts";

/** One small file to put. */
export interface SmallFile {
  bucket: string;
  key: string;
  /** The path to read. */
  path: string;
  /** Its size and times as the walk saw them: a file that differs after the read is refused. */
  stat: { size: number; mtimeMs: number; ctimeMs: number; ino: number };
  objectOptions?: ObjectOptions;
}

/** How puts are sent and proved, the same for every file of a run. */
export interface PutRules {
  /** The store, wrapped in the retry path. */
  backend: Backend;
  checksumAlgorithm: ChecksumAlgorithm;
  /** The store's ETag of a single-request object is the MD5 of its bytes (preset). */
  etagIsMd5: boolean;
  /** false (--no-read-back): an object nothing else proves is kept with a warning. */
  readBack: boolean;
  logger?: Logger;
  /** Request slots shared with every part of the run. */
  scheduler?: Scheduler;
  /** Caps the bytes of small files held in memory at once. */
  putBudget?: Scheduler;
  events?: TransferEvents;
}

/** What a stored small object is known by. */
export interface PutDone {
  eTag: string;
  versionId?: string;
  /** How it was proved (docs/guarantees.md); "none" only with --no-read-back. */
  proof: ProofName;
}

/** Puts `file`, proves it, and returns its ETag and proof; throws a classified error otherwise. */
export async function putSmallFile(
  file: SmallFile,
  rules: PutRules,
  signal: AbortSignal,
): Promise<PutDone> {
  const hold = (send: () => Promise<PutDone>) =>
    rules.putBudget ? rules.putBudget.withSlot(file.stat.size, signal, send) : send();
  const slot = (send: () => Promise<PutDone>) =>
    rules.scheduler ? rules.scheduler.withSlot(file.stat.size, signal, send) : send();
  return await hold(async () => {
    const bytes = await readUnchanged(file);
    const checksum = partChecksum(rules.checksumAlgorithm, bytes);
    return await slot(async () => {
      if (!rules.backend.putObject) {
        throw new UsageError(`${rules.backend.name} cannot store an object in one request.`);
      }
      const put = await rules.backend.putObject({
        bucket: file.bucket,
        key: file.key,
        body: pacedBody(bytes, rules),
        checksum,
        ...(file.objectOptions ? { objectOptions: file.objectOptions } : {}),
      }, signal);
      const proof = await proveSmallObject(
        { bucket: file.bucket, key: file.key, path: file.path },
        bytes,
        rules.checksumAlgorithm,
        put,
        rules,
        signal,
      );
      return {
        eTag: put.eTag,
        ...(put.versionId ? { versionId: put.versionId } : {}),
        proof,
      };
    });
  });
}

/** The file's bytes, refused when the file is not what the walk saw (changed since). */
async function readUnchanged(file: SmallFile): Promise<Uint8Array> {
  const bytes = await Deno.readFile(file.path);
  const now = await Deno.lstat(file.path);
  const same = bytes.length === file.stat.size && now.size === file.stat.size &&
    (now.mtime?.getTime() ?? 0) === file.stat.mtimeMs &&
    (now.ctime?.getTime() ?? 0) === file.stat.ctimeMs && (now.ino ?? 0) === file.stat.ino;
  if (!same) {
    throw new ResumableError(
      `${file.path} changed while it was read; run the same command again to upload it as it is then.`,
      { code: "source_changed" },
    );
  }
  return bytes;
}

/** The body as slices drawn from the rate limit and counted as they leave. */
function pacedBody(bytes: Uint8Array, rules: PutRules) {
  const bucket = rules.scheduler?.rate;
  const sent = rules.events?.bytesSent;
  if (!bucket && !sent) return bytes;
  const slices = slicer({ bucket, sent: sent ? (n) => sent(n) : undefined });
  return {
    size: bytes.length,
    open: (signal: AbortSignal) =>
      slices(
        (async function* () {
          yield bytes;
        })(),
        signal,
      ),
  };
}
