import type { ChecksumAlgorithm, ChecksumType } from "../../backends/types.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import type { RecordedObjectOptions } from "../object_options.ts";
import type { SourceFingerprint } from "../plan/source_fingerprint.ts";
import { NeedsDecisionError, RESTART, say, UsageError } from "../errors.ts";

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

/** Why a text is not a meta file: not JSON, or JSON that lacks required keys. */
export type MetaProblem = { kind: "not_json" } | { kind: "lacks"; keys: string[] };

/** The meta file's text, checked: the upload it records, or what is wrong with it. */
export function checkMeta(text: string): { meta: UploadMeta } | { problem: MetaProblem } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: { kind: "not_json" } };
  }
  const meta = value as Partial<UploadMeta>;
  const missing: string[] = (["bucket", "key", "uploadId"] as const).filter((k) =>
    typeof meta?.[k] !== "string" || meta[k] === ""
  );
  if (typeof meta?.splitSize !== "number" || !(meta.splitSize > 0)) missing.push("splitSize");
  return missing.length > 0
    ? { problem: { kind: "lacks", keys: missing } }
    : { meta: meta as UploadMeta };
}

/** Parses and checks the meta file's required keys; a problem is a NeedsDecisionError. */
export function parseMeta(text: string, path: string): UploadMeta {
  const checked = checkMeta(text);
  if ("meta" in checked) return checked.meta;
  const { problem } = checked;
  throw new NeedsDecisionError(
    problem.kind === "not_json"
      ? say`The meta file ${path} is not valid JSON; fix it, or run with ${RESTART} to start a new upload.`
      : say`The meta file ${path} lacks ${
        problem.keys.join(", ")
      }; fix it, or run with ${RESTART} to start a new upload.`,
  );
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
