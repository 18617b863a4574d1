import type { ChecksumAlgorithm, ChecksumType } from "../../backends/types.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import type { RecordedObjectOptions } from "../object_options.ts";
import { NeedsDecisionError, UsageError } from "../errors.ts";

/** Version of the meta format this build writes. Seed files have none and read as 0. */
export const META_FORMAT_VERSION = 1;

/**
 * The meta file: the seed's four keys plus ours. Never holds a credential.
 * Seed files carry only bucket, key, uploadId and splitSize; the rest is filled in on resume.
 */
export interface UploadMeta {
  bucket: string;
  key: string;
  uploadId: string;
  splitSize: number;
  formatVersion?: number;
  /** The source as it was when the upload began; a change means the parts no longer match. */
  source?: SourceFingerprint;
  partCount?: number;
  checksumAlgorithm?: ChecksumAlgorithm;
  /**
   * How the store keeps the object's checksum: FULL_OBJECT (declared at create; the whole
   * object's CRC is sent at Complete) or COMPOSITE. Absent: COMPOSITE for a flexible
   * algorithm (files written before 0.2), none for md5.
   */
  checksumType?: ChecksumType;
  provider?: string;
  /**
   * Set when no `--provider` was given and the endpoint's host names no provider: what the
   * store said of itself when the upload began, which chose `provider` (docs/providers.md).
   */
  providerDetected?: ProviderDetection;
  endpoint?: string;
  region?: string;
  createdAt?: string;
  updatedAt?: string;
  /** Set just before CompleteMultipartUpload is sent, so a crash mid-complete is recognised. */
  completing?: { startedAt: string };
  /** Object options sent at create (secrets excepted), compared on resume. */
  objectOptions?: RecordedObjectOptions;
  /** Set after a successful Complete. */
  completed?: { at: string; eTag: string; versionId?: string; location?: string };
}

/** What a store said of itself when asked which implementation it is (store_detection.ts). */
export interface ProviderDetection {
  /** The `Server` header of its answer to HeadBucket; null when it sent none. */
  server: string | null;
}

/** Identifies the bytes being uploaded: a file, or a directory of pre-split chunks. */
export interface SourceFingerprint {
  /** "file" or "chunks" (the seed's -d/-p mode). */
  kind: "file" | "chunks";
  path: string;
  size: number;
  mtimeMs: number;
  /** For chunks: how many chunk files. */
  chunkCount?: number;
  /** For a file: its inode, so a file replaced under the same name is noticed. */
  ino?: number;
  /** For a file: its device; compared within one run only (it may change across boots). */
  dev?: number;
  /**
   * For a file: its change time (ctime, ms since the epoch), which `touch` cannot put back, so
   * an edit whose mtime was restored is noticed. Absent where the platform gives none, and in
   * meta files of earlier versions (then compared from the next run on).
   */
  ctimeMs?: number;
  /** For chunks: every chunk file's name, size, modification time, inode and change time, in part order. */
  chunks?: ChunkFingerprint[];
}

/** One chunk file of a chunk directory, as recorded. */
export interface ChunkFingerprint {
  name: string;
  size: number;
  mtimeMs: number;
  /** Its inode, so a chunk replaced under the same name (by rename, as rsync does) is noticed. */
  ino?: number;
  /** Its change time (ctime), as for a file; both absent in earlier versions' meta files. */
  ctimeMs?: number;
}

/** Reads the meta file; undefined when it does not exist. Invalid content is a UsageError. */
export async function readMeta(path: string): Promise<UploadMeta | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`Cannot read the meta file ${path}: ${(error as Error).message}.`);
  }
  return parseMeta(text, path);
}

/** Parses and checks the meta file's required keys. */
export function parseMeta(text: string, path: string): UploadMeta {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new NeedsDecisionError(
      `The meta file ${path} is not valid JSON; fix it, or run with --restart to start a new upload.`,
    );
  }
  const meta = value as Partial<UploadMeta>;
  const missing = (["bucket", "key", "uploadId"] as const).filter((k) =>
    typeof meta?.[k] !== "string" || meta[k] === ""
  );
  if (typeof meta?.splitSize !== "number" || !(meta.splitSize > 0)) {
    missing.push("splitSize" as never);
  }
  if (missing.length > 0) {
    throw new NeedsDecisionError(
      `The meta file ${path} lacks ${
        missing.join(", ")
      }; fix it, or run with --restart to start a new upload.`,
    );
  }
  return meta as UploadMeta;
}

/** Writes the meta file atomically with mode 0600. */
export async function writeMeta(path: string, meta: UploadMeta): Promise<void> {
  const stamped = {
    ...meta,
    formatVersion: META_FORMAT_VERSION,
    updatedAt: new Date().toISOString(),
  };
  await writeFileAtomic(path, JSON.stringify(stamped, null, 2) + "\n");
}
