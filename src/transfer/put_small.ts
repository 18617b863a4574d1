/**
 * A small file of a tree in one PutObject: read whole (the put budget caps the bytes held at
 * once), its checksum sent for the store to verify, and the object proved to be the file's
 * bytes before it counts as done, as a multipart object is (docs/trees.md "Proof").
 *
 * @module
 */
import { isMd5Hex, md5Hex, partChecksum } from "../../backends/checksum.ts";
import { slicer } from "../../backends/rate_limit.ts";
import type {
  Backend,
  ChecksumAlgorithm,
  CompletedUpload,
  ObjectChecksum,
  PartChecksum,
} from "../../backends/types.ts";
import type { ObjectOptions } from "../../backends/object_options.ts";
import { NeedsDecisionError, ResumableError, UsageError } from "../errors.ts";
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
  /** The store refuses a body whose checksum header does not match (preset). */
  checksumVerified: boolean;
  /** The store's ETag of a single-request object is the MD5 of its bytes (preset). */
  etagIsMd5: boolean;
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
  /** How it was proved: "checksum", "etag" or "verified-checksum". */
  proof: string;
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
      return prove(file, bytes, checksum, put, rules);
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

/**
 * The put's answer proves the object when the store echoed the checksum sent, or (Content-MD5)
 * answered with the MD5 of the bytes as its ETag, or checks the checksum header by its preset;
 * a value that differs is a mismatch (exit 4), an answer that proves nothing is exit 4 too.
 */
function prove(
  file: SmallFile,
  bytes: Uint8Array,
  sent: PartChecksum,
  put: CompletedUpload,
  rules: PutRules,
): PutDone {
  const done = (proof: string): PutDone => ({
    eTag: put.eTag,
    ...(put.versionId ? { versionId: put.versionId } : {}),
    proof,
  });
  const echoed: ObjectChecksum | undefined = put.checksum;
  if (echoed && echoed.algorithm === sent.algorithm && !echoed.value.includes("-")) {
    if (echoed.value === sent.value) return done("checksum");
    throw notProved(
      file,
      `its ${sent.algorithm} ${echoed.value} differs from the ${sent.value} sent`,
    );
  }
  if (sent.algorithm === "md5" || rules.etagIsMd5) {
    const md5 = md5Hex(bytes);
    if (put.eTag.toLowerCase() === md5) return done("etag");
    if (rules.etagIsMd5 && isMd5Hex(put.eTag)) {
      throw notProved(file, `its ETag ${put.eTag} differs from the MD5 ${md5} of the bytes sent`);
    }
  }
  if (rules.checksumVerified && sent.algorithm !== "none") return done("verified-checksum");
  throw notProved(file, "the store answered with no checksum or ETag to compare");
}

function notProved(file: SmallFile, reason: string): NeedsDecisionError {
  return new NeedsDecisionError(
    `The object s3://${file.bucket}/${file.key} is not proved to hold ${file.path}: ${reason}. Run again to send it again, or check the store.`,
    { code: "not_proved" },
  );
}
