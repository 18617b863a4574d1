/**
 * The storage backend adapter interface. The engine drives uploads only through this,
 * so adding a store means writing one adapter, and provider quirks stay data.
 * See backends/README.md.
 */

import type { ObjectOptions, RequestOptions } from "../src/object_options.ts";
import type { PartBody } from "./part_body.ts";

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

/**
 * How the server keeps an object's checksum: FULL_OBJECT is the checksum of the whole
 * object's bytes (CRCs only, combined from the parts); COMPOSITE is the checksum of the
 * concatenated part checksums with a `-N` suffix.
 */
export type ChecksumType = "FULL_OBJECT" | "COMPOSITE";

/** An object-level checksum as the server reports or expects it. */
export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 digest; COMPOSITE values end in `-N`. */
  value: string;
  type: ChecksumType;
}

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
  /** The stored whole-object checksum, when the store keeps one and reports it. */
  checksum?: ObjectChecksum;
  /** Parts the object was uploaded in (x-amz-mp-parts-count), when asked per part. */
  partsCount?: number;
  /** Server-side encryption that makes ETags other than MD5s (aws:kms, SSE-C), if any. */
  encryption?: string;
}

/** Result of a completed multipart upload. */
export interface CompletedUpload {
  eTag: string;
  location?: string;
  versionId?: string;
  /** The whole-object checksum the server answered with, if any. */
  checksum?: ObjectChecksum;
}

/** Options of a HeadObject call. */
export interface HeadOptions {
  /** Describe only this part: its size becomes `size`, and `partsCount` is set. */
  partNumber?: number;
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
  /** FULL_OBJECT or COMPOSITE for flexible checksums; ignored for md5 and none. */
  checksumType?: ChecksumType;
  contentType?: string;
  /** Content headers, metadata, storage class, SSE, ACL, tags (src/object_options.ts). */
  objectOptions?: ObjectOptions;
}

/** What CompleteMultipartUpload sends. */
export interface CompleteInput extends ObjectRef {
  uploadId: string;
  parts: UploadedPart[];
  checksumAlgorithm: ChecksumAlgorithm;
  /** For FULL_OBJECT uploads: the whole object's checksum, which the server validates. */
  fullObjectChecksum?: string;
  checksumType?: ChecksumType;
}

/** One part to send. `body` must not be modified until the promise settles. */
export interface UploadPartInput extends ObjectRef {
  uploadId: string;
  partNumber: number;
  /** Bytes in memory, or a stream re-read from the source for each send (see PartStream). */
  body: PartBody;
  checksum: PartChecksum;
  /**
   * When set, the body is sent as the slices this yields from the body's own slices (same
   * bytes, same order), so a rate limit and byte progress can act as the bytes leave.
   * Called once per attempt.
   */
  paceBody?: (slices: AsyncIterable<Uint8Array>, signal: AbortSignal) => AsyncIterable<Uint8Array>;
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
  /**
   * Completes the upload. An answer that is not a success (including HTTP 200 with an
   * `<Error>` body, or a success without an ETag) throws: it never resolves.
   */
  completeMultipartUpload(input: CompleteInput, signal: AbortSignal): Promise<CompletedUpload>;
  abortMultipartUpload(ref: ObjectRef & { uploadId: string }, signal: AbortSignal): Promise<void>;
  /** Unfinished uploads in a bucket, optionally under a prefix, following pagination. */
  listMultipartUploads(
    opts: { bucket: string; prefix?: string },
    signal: AbortSignal,
  ): Promise<MultipartUploadInfo[]>;
  /**
   * The object's metadata with its stored checksum (ChecksumMode ENABLED), or a
   * BackendError of kind "not_found".
   */
  headObject(ref: ObjectRef, signal: AbortSignal, opts?: HeadOptions): Promise<ObjectInfo>;
  /**
   * The sizes of the parts a multipart object was uploaded in, in order (GetObjectAttributes),
   * or undefined when the store does not say.
   */
  objectPartSizes?(ref: ObjectRef, signal: AbortSignal): Promise<number[] | undefined>;
  /** The object's bytes as a stream (GetObject). */
  readObject?(ref: ObjectRef, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
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
