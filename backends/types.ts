/**
 * The storage backend adapter interface. The engine drives uploads only through this,
 * so adding a store means writing one adapter, and provider quirks stay data.
 * See backends/README.md.
 */

import type { ObjectOptions, RequestOptions } from "../src/object_options.ts";

/** Part-size rules of a store. */
export interface BackendLimits {
  /** Smallest allowed size of every part but the last, in bytes. */
  minPartSize: number;
  /** Largest allowed part size, in bytes. */
  maxPartSize: number;
  /** Largest part number. */
  maxParts: number;
  /** Whether all parts but the last must have the same size (R2). */
  equalPartSizes: boolean;
  /** Largest object a multipart upload can produce, in bytes. */
  maxObjectSize: number;
}

/** Per-part integrity checksum algorithms the engine can compute. */
export type ChecksumAlgorithm = "md5" | "crc32" | "crc32c" | "sha256" | "none";

/** A part's checksum, base64 of the digest, as S3 sends it in headers. */
export interface PartChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 digest; empty when algorithm is "none". */
  value: string;
}

/** A part the server holds. */
export interface UploadedPart {
  partNumber: number;
  /** ETag as the server returns it, with quotes stripped. */
  eTag: string;
  size?: number;
  /** Base64 checksum of the part if the server reports one. */
  checksum?: string;
}

/** An unfinished multipart upload on the server. */
export interface MultipartUploadInfo {
  key: string;
  uploadId: string;
  initiated?: Date;
}

/** What headObject reports. */
export interface ObjectInfo {
  size: number;
  /** ETag with quotes stripped, e.g. "9b2cf535f27731c974343645a3985328-3". */
  eTag: string;
  lastModified?: Date;
  versionId?: string;
}

/** Result of a completed multipart upload. */
export interface CompletedUpload {
  eTag: string;
  location?: string;
  versionId?: string;
}

/** Names an object in a store. */
export interface ObjectRef {
  bucket: string;
  key: string;
  /** Sent with every request of the upload: SSE-C key, expected owner, requester pays. */
  requestOptions?: RequestOptions;
}

/** Options to create a multipart upload. */
export interface CreateOptions extends ObjectRef {
  /** Declared at create so the server expects (and verifies) this checksum on each part. */
  checksumAlgorithm: ChecksumAlgorithm;
  contentType?: string;
  /** Content headers, metadata, storage class, SSE, ACL, tags (src/object_options.ts). */
  objectOptions?: ObjectOptions;
}

/** One part to send. `body` must not be modified until the promise settles. */
export interface UploadPartInput extends ObjectRef {
  uploadId: string;
  partNumber: number;
  body: Uint8Array;
  checksum: PartChecksum;
  /**
   * When set, the body is sent as the slices this yields (same bytes, same order), so a
   * rate limit and byte progress can act as the bytes leave. Called once per attempt.
   */
  paceBody?: (body: Uint8Array, signal: AbortSignal) => AsyncIterable<Uint8Array>;
}

/** An upload's parts to list: all of them, or those numbered above `afterPartNumber`. */
export type PartsRef = ObjectRef & { uploadId: string; afterPartNumber?: number };

/** A storage backend. Every call takes an AbortSignal and throws only BackendError. */
export interface Backend {
  /** Human-readable name, e.g. "s3 (minio)" or "memory". */
  readonly name: string;
  readonly limits: BackendLimits;
  createMultipartUpload(opts: CreateOptions, signal: AbortSignal): Promise<string>;
  uploadPart(input: UploadPartInput, signal: AbortSignal): Promise<UploadedPart>;
  /**
   * All parts of an upload, following pagination to the end; with `afterPartNumber`, only
   * the parts numbered above it (S3's PartNumberMarker). Pass a part the upload has: MinIO
   * and moto answer an empty list when the marker names no part.
   */
  listParts(ref: PartsRef, signal: AbortSignal): Promise<UploadedPart[]>;
  completeMultipartUpload(
    ref: ObjectRef & {
      uploadId: string;
      parts: UploadedPart[];
      checksumAlgorithm: ChecksumAlgorithm;
    },
    signal: AbortSignal,
  ): Promise<CompletedUpload>;
  abortMultipartUpload(ref: ObjectRef & { uploadId: string }, signal: AbortSignal): Promise<void>;
  /** Unfinished uploads in a bucket, optionally under a prefix, following pagination. */
  listMultipartUploads(
    opts: { bucket: string; prefix?: string },
    signal: AbortSignal,
  ): Promise<MultipartUploadInfo[]>;
  /** The object's metadata, or a BackendError of kind "not_found". */
  headObject(ref: ObjectRef, signal: AbortSignal): Promise<ObjectInfo>;
  /** Releases sockets and timers. */
  close(): void;
}

/** S3's own limits, the defaults for every store that does not say otherwise. */
export const S3_LIMITS: BackendLimits = {
  minPartSize: 5 * 1024 * 1024,
  maxPartSize: 5 * 1024 * 1024 * 1024,
  maxParts: 10_000,
  equalPartSizes: false,
  maxObjectSize: 5 * 1024 * 1024 * 1024 * 1024,
};
