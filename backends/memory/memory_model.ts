/**
 * The memory store's model: what it holds (buckets, open uploads, parts, objects), its
 * options and the counters tests read.
 */
import type {
  Backend,
  BackendLimits,
  ChecksumAlgorithm,
  ChecksumType,
  CreateOptions,
  MultipartUploadInfo,
  ObjectChecksum,
  UploadedPart,
} from "../types.ts";

/** The Backend methods that talk to the store. */
export type BackendMethod = Exclude<
  keyof Backend,
  "name" | "limits" | "trailingChecksums" | "close" | "objectPartSizes"
>;

/** S3's page size for ListParts and ListMultipartUploads. */
export const PAGE_SIZE = 1000;

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** Overrides of S3's limits, e.g. `{ equalPartSizes: true }` to act like R2. */
  limits?: Partial<BackendLimits>;
  /**
   * Act like B2 or GCS, which reject the flexible checksum headers: an uploadPart with a
   * crc32, crc32c or sha256 checksum fails with invalid_request.
   */
  rejectChecksumHeaders?: boolean;
  /** Whether ETags are MD5 digests, as on AWS without KMS (default true). */
  etagIsMd5?: boolean;
  /**
   * Act like SeaweedFS, whose ListParts reports no part checksums: listParts and
   * listPartsPage leave `checksum` out (uploadPart still verifies and returns it).
   */
  listPartsOmitsChecksums?: boolean;
  /**
   * false: act like moto, which checks neither a part's checksum nor its Content-MD5 (nor a
   * FULL_OBJECT value at Complete), keeps whatever bytes arrive, and reports the checksums
   * and ETags of the bytes it holds. Default true.
   */
  verifiesChecksums?: boolean;
  /** Delay of every call in milliseconds, abortable through the call's signal. */
  latencyMs?: number;
  /** The backend's name (default "memory"). */
  name?: string;
}

/** What a {@link MemoryBackend} has been asked to do, for assertions in tests. */
export interface MemoryBackendStats {
  /** Calls per method, counted on entry (aborted and failed calls included). */
  calls: Record<BackendMethod, number>;
  /** Body bytes received by uploadPart. */
  bytesReceived: number;
  /** Pages served by listParts and listPartsPage. */
  listPartsPages: number;
  /** Pages served by listMultipartUploads and listMultipartUploadsPage. */
  listUploadsPages: number;
}

/** One page of parts, as S3's ListParts returns it. */
export interface PartsPage {
  parts: UploadedPart[];
  isTruncated: boolean;
  /** The marker to ask for the next page with, when truncated. */
  nextPartNumberMarker?: number;
}

/** One page of unfinished uploads, as S3's ListMultipartUploads returns it. */
export interface UploadsPage {
  uploads: MultipartUploadInfo[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** An unfinished upload as {@link MemoryBackend.openUploads} reports it. */
export interface OpenUploadSummary {
  key: string;
  uploadId: string;
  checksumAlgorithm: ChecksumAlgorithm;
  /** Part numbers the server holds, ascending. */
  partNumbers: number[];
}

export interface StoredPart {
  partNumber: number;
  body: Uint8Array;
  eTag: string;
  checksum?: string;
  /** When the part was stored (ListParts' LastModified). */
  lastModified: Date;
}

export interface OpenUpload {
  key: string;
  uploadId: string;
  checksumAlgorithm: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  initiated: Date;
  /** Strictly increasing, to order uploads of one key that start in the same millisecond. */
  seq: number;
  parts: Map<number, StoredPart>;
  objectOptions?: CreateOptions["objectOptions"];
  /** MD5 of the SSE-C key given at create: every later call must carry the same (as S3). */
  sseCustomerKeyMd5?: string;
}

export interface StoredObject {
  body: Uint8Array;
  eTag: string;
  lastModified: Date;
  checksum?: ObjectChecksum;
  partSizes?: number[];
  objectOptions?: CreateOptions["objectOptions"];
}

export interface Bucket {
  objects: Map<string, StoredObject>;
  uploads: Map<string, OpenUpload>;
}

/** S3 refuses a part or Complete of an SSE-C upload without the create's key. */

/** Counters at zero. */
export function emptyStats(): MemoryBackendStats {
  return {
    calls: {
      createMultipartUpload: 0,
      uploadPart: 0,
      listParts: 0,
      completeMultipartUpload: 0,
      abortMultipartUpload: 0,
      listMultipartUploads: 0,
      headObject: 0,
      putObject: 0,
      readObject: 0,
    },
    bytesReceived: 0,
    listPartsPages: 0,
    listUploadsPages: 0,
  };
}
