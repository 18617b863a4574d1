/**
 * The port: what the engine needs of a store. A core {@link MultipartStore} (the steps of
 * one multipart upload) plus optional capabilities, {@link UploadLister},
 * {@link ObjectInspector} and {@link ObjectWriter}, composed into a {@link Backend} as tusd's
 * StoreComposer does: an adapter may lack a capability, and its callers check for it.
 * Each method's contract is in its JSDoc; adapters throw only {@link BackendError}
 * (errors.ts). Provider quirks stay data (presets.ts). A decorator wraps every method at
 * once with {@link decorate} (decorate.ts).
 */

import type { ObjectOptions, RequestOptions } from "./object_options.ts";
import { GiB, MiB, TiB } from "./units.ts";
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
  /** Base64 digest; COMPOSITE values end in `-N` (moto leaves it off). */
  value: string;
  type: ChecksumType;
  /**
   * The store named no type (no x-amz-checksum-type): `type` is guessed from the value, so a
   * comparison with one type's value proves a difference only if no other type's matches.
   */
  typeGuessed?: boolean;
}

/** A part's checksum, base64 of the digest, as S3 sends it in headers. */
export interface PartChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 digest; empty when algorithm is "none", or when `trailing`. */
  value: string;
  /**
   * The store computes nothing ahead: the adapter sums the bytes as it sends them, sends the
   * sum after the body (a trailer the server verifies), and returns it as
   * `UploadedPart.checksum`. Only to a store whose `trailingChecksums` is true.
   */
  trailing?: boolean;
}

/** A part the server holds. */
export interface UploadedPart {
  partNumber: number;
  /** ETag as the server returns it, with quotes stripped. */
  eTag: string;
  size?: number;
  /** Base64 checksum of the part if the server reports one. */
  checksum?: string;
  /** When the server stored the part (ListParts' LastModified), where it says. */
  lastModified?: Date;
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

/** Options of a GetObject call. */
export interface ReadOptions {
  /** Only these bytes: `length` bytes from `offset` (an HTTP Range request). */
  range?: { offset: number; length: number };
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
  /** Complete only if the key holds no object (`If-None-Match: *`); else a 412 (no_clobber.ts). */
  noOverwrite?: boolean;
}

/** One part to send. `body` must not be modified until the promise settles. */
export interface UploadPartInput extends ObjectRef {
  uploadId: string;
  partNumber: number;
  /**
   * Bytes in memory, or a stream read again from the source on every send (a retry
   * re-reads the file): see PartStream.
   */
  body: PartBody;
  checksum: PartChecksum;
  /**
   * When set, the body is sent as the slices this yields from the body's own slices (same
   * bytes, same order), so a rate limit and byte progress can act as the bytes leave.
   * Called once per attempt.
   */
  paceBody?: (slices: AsyncIterable<Uint8Array>, signal: AbortSignal) => AsyncIterable<Uint8Array>;
}

/**
 * One whole object to store with PutObject (an empty file, or a small one). The body's
 * checksum is sent as the store verifies it: a flexible one (`x-amz-checksum-*`) where the
 * preset allows them, else `md5` (Content-MD5).
 */
export interface PutObjectInput extends ObjectRef {
  /** The object's bytes: in memory, or a stream (read whole before the request is sent). */
  body: PartBody;
  /** The whole body's checksum, sent for the store to verify (md5 as Content-MD5). */
  checksum: PartChecksum;
  contentType?: string;
  /** Content headers, metadata, storage class, SSE, ACL, tags, as at create. */
  objectOptions?: ObjectOptions;
  /** Store only if the key holds no object (`If-None-Match: *`); else a 412 (no_clobber.ts). */
  noOverwrite?: boolean;
}

/** An upload's parts to list: all of them, or those numbered above `afterPartNumber`. */
export type PartsRef = ObjectRef & { uploadId: string; afterPartNumber?: number };

/**
 * The core of a store: the steps of one multipart upload. Every call takes an AbortSignal,
 * must reject promptly with a BackendError of kind "aborted" once it fires, and throws
 * nothing but {@link BackendError}.
 *
 * @example An adapter skeleton (see s3/s3_backend.ts and memory/memory_backend.ts)
 * ```ts
 * class MyStore implements MultipartStore {
 *   readonly name = "mystore";
 *   readonly limits = S3_LIMITS;
 *   async createMultipartUpload(opts: CreateOptions, signal: AbortSignal) {
 *     try {
 *       return (await client.create(opts.bucket, opts.key, { signal })).uploadId;
 *     } catch (error) {
 *       throw toBackendError(error); // every vendor error becomes one BackendError kind
 *     }
 *   }
 *   // uploadPart, listParts, completeMultipartUpload, abortMultipartUpload, close ...
 * }
 * ```
 */
export interface MultipartStore {
  /** Human-readable name, e.g. "s3 (minio)" or "memory". */
  readonly name: string;
  /** The part-size rules the planner keeps to. */
  readonly limits: BackendLimits;
  /**
   * Whether uploadPart takes a flexible checksum as `trailing` (computed while the body is
   * sent), so a part streamed from the file is read once instead of twice.
   */
  readonly trailingChecksums?: boolean;
  /**
   * Starts an upload and returns its id. A flexible `checksumAlgorithm` (crc32, crc32c,
   * sha256) is declared, so the server expects and verifies it on every part; so is
   * `checksumType` FULL_OBJECT.
   *
   * @example
   * ```ts
   * const uploadId = await store.createMultipartUpload(
   *   { bucket: "b", key: "k", checksumAlgorithm: "crc32" },
   *   signal,
   * );
   * ```
   */
  createMultipartUpload(opts: CreateOptions, signal: AbortSignal): Promise<string>;
  /**
   * Sends one part with its checksum (md5 as Content-MD5, flexible ones as their header,
   * none as nothing) and returns the ETag without quotes. A stream body is opened once per
   * send (`body.open`), and a retry opens it again; keep no reference to it, or to a slice,
   * once the promise settles.
   *
   * @example
   * ```ts
   * const part = await store.uploadPart(
   *   { bucket: "b", key: "k", uploadId, partNumber: 1, body, checksum: { algorithm: "none", value: "" } },
   *   signal,
   * );
   * ```
   */
  uploadPart(input: UploadPartInput, signal: AbortSignal): Promise<UploadedPart>;
  /**
   * All parts of an upload sorted by part number, following pagination to the end, with
   * size and checksum where the server reports them; with `afterPartNumber`, only the parts
   * numbered above it (S3's PartNumberMarker). Pass a part the upload has: MinIO and moto
   * answer an empty list when the marker names no part. An unknown upload is "no_such_upload".
   *
   * @example
   * ```ts
   * const parts = await store.listParts({ bucket: "b", key: "k", uploadId }, signal);
   * ```
   */
  listParts(ref: PartsRef, signal: AbortSignal): Promise<UploadedPart[]>;
  /**
   * Completes the upload with the parts in order, listing each part's checksum when the
   * upload declared an algorithm. An answer that is not a success (including HTTP 200 with
   * an `<Error>` body, or a success without an ETag) throws: it never resolves.
   *
   * @example
   * ```ts
   * const done = await store.completeMultipartUpload(
   *   { bucket: "b", key: "k", uploadId, parts, checksumAlgorithm: "crc32" },
   *   signal,
   * );
   * ```
   */
  completeMultipartUpload(input: CompleteInput, signal: AbortSignal): Promise<CompletedUpload>;
  /**
   * Aborts the upload; an unknown upload is "no_such_upload".
   *
   * @example
   * ```ts
   * await store.abortMultipartUpload({ bucket: "b", key: "k", uploadId }, signal);
   * ```
   */
  abortMultipartUpload(ref: ObjectRef & { uploadId: string }, signal: AbortSignal): Promise<void>;
  /** Releases sockets and timers. */
  close(): void;
}

/**
 * Capability: listing unfinished uploads (`s3mpu list`, and the report of uploads a lost
 * Create may have left).
 */
export interface UploadLister {
  /**
   * Unfinished uploads in a bucket, following pagination, filtered by key prefix (on the
   * client when the server cannot).
   *
   * @example
   * ```ts
   * const open = await store.listMultipartUploads({ bucket: "b", prefix: "backups/" }, signal);
   * ```
   */
  listMultipartUploads(
    opts: { bucket: string; prefix?: string },
    signal: AbortSignal,
  ): Promise<MultipartUploadInfo[]>;
}

/** Capability: inspecting stored objects (the proof after Complete, and `s3mpu verify`). */
export interface ObjectInspector {
  /**
   * The object's metadata with its stored checksum (ChecksumMode ENABLED), or a
   * BackendError of kind "not_found".
   *
   * @example
   * ```ts
   * const { size, eTag, checksum } = await store.headObject({ bucket: "b", key: "k" }, signal);
   * ```
   */
  headObject(ref: ObjectRef, signal: AbortSignal, opts?: HeadOptions): Promise<ObjectInfo>;
  /**
   * The sizes of the parts a multipart object was uploaded in, in order (GetObjectAttributes),
   * or undefined when the store does not say. Optional.
   */
  objectPartSizes?(ref: ObjectRef, signal: AbortSignal): Promise<number[] | undefined>;
  /**
   * The object's bytes (GetObject), or only `opts.range` of them, as chunks to iterate once:
   * for `verify --download`, and the read-back that proves an object where the store keeps no
   * value of its own to compare. A chunk may be reused once the next is asked for. Optional.
   */
  readObject?(
    ref: ObjectRef,
    signal: AbortSignal,
    opts?: ReadOptions,
  ): Promise<AsyncIterable<Uint8Array>>;
}

/** Capability: storing a small object in one request, with no multipart upload. */
export interface ObjectWriter {
  /**
   * Stores the object with its checksum (md5 as Content-MD5, a flexible one as its header)
   * and returns its ETag (without quotes), version and stored checksum where the store
   * reports them. A checksum that does not match the bytes fails, nothing stored
   * ("retryable": damaged on the way, as for uploadPart). The answer may echo what was sent:
   * prove the object with headObject.
   *
   * @example
   * ```ts
   * const put = await store.putObject(
   *   { bucket: "b", key: "k", body, checksum: { algorithm: "crc32", value } },
   *   signal,
   * );
   * ```
   */
  putObject(input: PutObjectInput, signal: AbortSignal): Promise<CompletedUpload>;
}

/** Every optional capability a store may offer. */
export type Capabilities = UploadLister & ObjectInspector & ObjectWriter;

/**
 * A store as the engine drives it: the core, and whichever capabilities its adapter offers
 * (tusd's StoreComposer). A caller that needs one checks for it (`if (backend.headObject)`)
 * and never assumes it; s3/ and memory/ offer all of them. A decorator keeps the shape of
 * what it wraps (see decorate.ts).
 */
export type Backend = MultipartStore & Partial<Capabilities>;

/** The methods of the port that talk to the store. */
export type PortMethod = Exclude<keyof Backend, "name" | "limits" | "trailingChecksums" | "close">;

/** S3's own limits, the defaults for every store that does not say otherwise. */
export const S3_LIMITS: BackendLimits = {
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
  equalPartSizes: false,
  maxObjectSize: 5 * TiB,
};

/** Where an adapter says what it does on its own (the CLI's logger fits). */
export interface AdapterLog {
  info(message: string): void;
  warn(message: string): void;
  /** Notes for --debug only. */
  debug?(message: string): void;
}
