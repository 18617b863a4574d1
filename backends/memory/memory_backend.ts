/**
 * An in-memory store that behaves like S3 for multipart uploads: part-size limits checked
 * at completion, MD5 ETags, multipart ETags with a "-N" suffix, checksum verification,
 * NoSuchUpload for unknown ids and 1,000-item pages. Engine tests run against it in
 * milliseconds; FaultBackend (fault_backend.ts) wraps it to inject failures.
 */
import { BackendError } from "../errors.ts";
import { keyTaken } from "../no_clobber.ts";
import {
  type Backend,
  type BackendLimits,
  type CompletedUpload,
  type CompleteInput,
  type CreateOptions,
  type HeadOptions,
  type MultipartUploadInfo,
  type ObjectInfo,
  type ObjectRef,
  type PartsRef,
  type PutObjectInput,
  type ReadOptions,
  S3_LIMITS,
  type UploadedPart,
  type UploadPartInput,
} from "../types.ts";
import { abortableSleep, throwIfAborted } from "./abortable_sleep.ts";
import { bodySlices, collectSlices } from "../part_body.ts";
import { byteStream } from "./object_stream.ts";
import { completedObject, putObjectStored } from "./stored_objects.ts";
import { partsPage, sortedUploads, uploadsPage } from "./paging.ts";
import {
  type BackendMethod,
  type Bucket,
  emptyStats,
  type MemoryBackendOptions,
  type MemoryBackendStats,
  type OpenUpload,
  type OpenUploadSummary,
  PAGE_SIZE,
  type PartsPage,
  type StoredObject,
  type StoredPart,
  type UploadsPage,
} from "./memory_model.ts";
import {
  checkCompletion,
  checkSseCustomer,
  invalid,
  isFlexible,
  partETag,
  verifyPartChecksum,
} from "./s3_rules.ts";

export type {
  MemoryBackendOptions,
  MemoryBackendStats,
  OpenUploadSummary,
  PartsPage,
  UploadsPage,
} from "./memory_model.ts";

/** An in-memory, S3-faithful {@link Backend}. Create buckets with {@link createBucket}. */
export class MemoryBackend implements Backend {
  readonly name: string;
  readonly limits: BackendLimits;
  /** Call counters; reset with {@link resetStats}. */
  stats: MemoryBackendStats = emptyStats();

  readonly #buckets = new Map<string, Bucket>();
  readonly #rejectChecksumHeaders: boolean;
  readonly #etagIsMd5: boolean;
  readonly #listPartsOmitsChecksums: boolean;
  readonly #verifies: boolean;
  readonly #latencyMs: number;
  #seq = 0;

  constructor(options: MemoryBackendOptions = {}) {
    this.name = options.name ?? "memory";
    this.limits = Object.freeze({ ...S3_LIMITS, ...options.limits });
    this.#rejectChecksumHeaders = options.rejectChecksumHeaders ?? false;
    this.#etagIsMd5 = options.etagIsMd5 ?? true;
    this.#listPartsOmitsChecksums = options.listPartsOmitsChecksums ?? false;
    this.#verifies = options.verifiesChecksums ?? true;
    this.#latencyMs = options.latencyMs ?? 0;
  }

  // ---- test helpers ------------------------------------------------------------------

  /** Creates a bucket (no-op if it exists). */
  createBucket(name: string): void {
    if (!this.#buckets.has(name)) {
      this.#buckets.set(name, { objects: new Map(), uploads: new Map() });
    }
  }

  /** The stored bytes of an object, or undefined. Do not modify them. */
  getObject(bucket: string, key: string): Uint8Array | undefined {
    return this.#buckets.get(bucket)?.objects.get(key)?.body;
  }

  /** The object options a completed object was created with (test helper). */
  getObjectOptions(bucket: string, key: string): CreateOptions["objectOptions"] | undefined {
    return this.#bucket(bucket).objects.get(key)?.objectOptions;
  }

  /** Stores an object directly, as another client's PUT would (ETag = MD5 of the bytes). */
  storeObject(bucket: string, key: string, body: Uint8Array): void {
    this.#bucket(bucket).objects.set(key, {
      body: body.slice(),
      eTag: partETag(body, this.#etagIsMd5),
      lastModified: new Date(),
    });
  }

  /** The unfinished uploads of a bucket, sorted by key then age. */
  openUploads(bucket: string): OpenUploadSummary[] {
    return sortedUploads(this.#bucket(bucket)).map((u) => ({
      key: u.key,
      uploadId: u.uploadId,
      checksumAlgorithm: u.checksumAlgorithm,
      partNumbers: [...u.parts.keys()].sort((a, b) => a - b),
    }));
  }

  /**
   * Drops an unfinished upload without a request, as MinIO's 24 h or R2's 7-day purge does.
   * Returns whether it existed.
   */
  expireUpload(bucket: string, uploadId: string): boolean {
    return this.#bucket(bucket).uploads.delete(uploadId);
  }

  /** Drops one stored part of an unfinished upload, as a store losing data would. */
  dropPart(bucket: string, uploadId: string, partNumber: number): boolean {
    return this.#bucket(bucket).uploads.get(uploadId)?.parts.delete(partNumber) ?? false;
  }

  /** Flips the bits of one stored byte of an object, as a store losing data would. */
  damageObject(bucket: string, key: string, at: number): void {
    this.#object({ bucket, key }).body[at] ^= 0xff;
  }

  /** Zeroes {@link stats}. */
  resetStats(): void {
    this.stats = emptyStats();
  }

  // ---- Backend -----------------------------------------------------------------------

  /** Starts a multipart upload and returns its id. */
  async createMultipartUpload(opts: CreateOptions, signal: AbortSignal): Promise<string> {
    await this.#enter("createMultipartUpload", signal);
    const bucket = this.#bucket(opts.bucket);
    if (opts.key === "") throw invalid("InvalidArgument", "The object key must not be empty.");
    const uploadId = `${crypto.randomUUID().replaceAll("-", "")}${(++this.#seq).toString(36)}`;
    bucket.uploads.set(uploadId, {
      key: opts.key,
      uploadId,
      checksumAlgorithm: opts.checksumAlgorithm,
      ...(isFlexible(opts.checksumAlgorithm) && opts.checksumType
        ? { checksumType: opts.checksumType }
        : {}),
      initiated: new Date(),
      seq: this.#seq,
      parts: new Map(),
      objectOptions: opts.objectOptions,
      sseCustomerKeyMd5: opts.requestOptions?.sseCustomer?.keyMd5,
    });
    return uploadId;
  }

  /** Stores a copy of the part's bytes, verifying its checksum. Replaces an earlier copy. */
  async uploadPart(input: UploadPartInput, signal: AbortSignal): Promise<UploadedPart> {
    await this.#enter("uploadPart", signal);
    const upload = this.#upload(input);
    const { partNumber } = input;
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > this.limits.maxParts) {
      throw invalid(
        "InvalidArgument",
        `Part number must be an integer between 1 and ${this.limits.maxParts}, got ${partNumber}.`,
      );
    }
    checkSseCustomer(upload, input);
    // Copy now: the caller may reuse its buffer as soon as the promise settles.
    const slices = bodySlices(input.body, signal);
    const body = await collectSlices(input.paceBody ? input.paceBody(slices, signal) : slices);
    this.stats.bytesReceived += body.length;
    if (body.length > this.limits.maxPartSize) {
      throw invalid(
        "EntityTooLarge",
        `Part ${partNumber} is ${body.length} bytes, above the ${this.limits.maxPartSize}-byte maximum.`,
      );
    }
    const checksum = verifyPartChecksum(upload, this.#rules, input, body);
    const part: StoredPart = {
      partNumber,
      body,
      eTag: partETag(body, this.#etagIsMd5),
      checksum,
      lastModified: new Date(),
    };
    upload.parts.set(partNumber, part);
    return { partNumber, eTag: part.eTag, size: body.length, checksum };
  }

  /** All parts of an upload, sorted, fetched page by page like S3's ListParts. */
  async listParts(ref: PartsRef, signal: AbortSignal): Promise<UploadedPart[]> {
    await this.#enter("listParts", signal);
    const parts: UploadedPart[] = [];
    let marker = ref.afterPartNumber ?? 0;
    for (;;) {
      const page = this.#partsPage(ref, marker, PAGE_SIZE);
      parts.push(...page.parts);
      if (!page.isTruncated || page.nextPartNumberMarker === undefined) return parts;
      marker = page.nextPartNumberMarker;
    }
  }

  /** One page of parts after `partNumberMarker`, at most `maxParts` (1,000) long. */
  async listPartsPage(
    ref: ObjectRef & { uploadId: string; partNumberMarker?: number; maxParts?: number },
    signal: AbortSignal,
  ): Promise<PartsPage> {
    await this.#enter("listParts", signal);
    const maxParts = Math.min(Math.max(ref.maxParts ?? PAGE_SIZE, 1), PAGE_SIZE);
    return this.#partsPage(ref, ref.partNumberMarker ?? 0, maxParts);
  }

  /** Checks the part list the way S3 does, then stores the object and ends the upload. */
  async completeMultipartUpload(
    input: CompleteInput,
    signal: AbortSignal,
  ): Promise<CompletedUpload> {
    await this.#enter("completeMultipartUpload", signal);
    const bucket = this.#bucket(input.bucket);
    const upload = this.#upload(input);
    checkSseCustomer(upload, input);
    if (input.noOverwrite && bucket.objects.has(input.key)) throw keyTaken();
    const stored = checkCompletion(upload, input.parts, this.limits, this.#verifies);
    const object = completedObject(upload, stored, input.fullObjectChecksum, this.#rules);
    bucket.objects.set(input.key, object);
    bucket.uploads.delete(upload.uploadId);
    return {
      eTag: object.eTag,
      location: `memory://${input.bucket}/${input.key}`,
      ...(object.checksum ? { checksum: object.checksum } : {}),
    };
  }

  /** Discards an upload and its parts. */
  async abortMultipartUpload(
    ref: ObjectRef & { uploadId: string },
    signal: AbortSignal,
  ): Promise<void> {
    await this.#enter("abortMultipartUpload", signal);
    const upload = this.#upload(ref);
    this.#bucket(ref.bucket).uploads.delete(upload.uploadId);
  }

  /** Stores a whole object, verifying its checksum; a flexible one is kept as FULL_OBJECT. */
  async putObject(input: PutObjectInput, signal: AbortSignal): Promise<CompletedUpload> {
    await this.#enter("putObject", signal);
    const bucket = this.#bucket(input.bucket);
    if (input.key === "") throw invalid("InvalidArgument", "The object key must not be empty.");
    const body = await collectSlices(bodySlices(input.body, signal));
    if (input.noOverwrite && bucket.objects.has(input.key)) throw keyTaken();
    const object = putObjectStored(input, body, this.#rules);
    bucket.objects.set(input.key, object);
    return { eTag: object.eTag, ...(object.checksum ? { checksum: object.checksum } : {}) };
  }

  /** Unfinished uploads under a prefix, fetched page by page like S3. */
  async listMultipartUploads(
    opts: { bucket: string; prefix?: string },
    signal: AbortSignal,
  ): Promise<MultipartUploadInfo[]> {
    await this.#enter("listMultipartUploads", signal);
    const uploads: MultipartUploadInfo[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = this.#uploadsPage(opts.bucket, opts.prefix ?? "", keyMarker, uploadIdMarker);
      uploads.push(...page.uploads);
      if (!page.isTruncated) return uploads;
      keyMarker = page.nextKeyMarker;
      uploadIdMarker = page.nextUploadIdMarker;
    }
  }

  /** One page (up to 1,000) of unfinished uploads after the markers. */
  async listMultipartUploadsPage(
    opts: { bucket: string; prefix?: string; keyMarker?: string; uploadIdMarker?: string },
    signal: AbortSignal,
  ): Promise<UploadsPage> {
    await this.#enter("listMultipartUploads", signal);
    return this.#uploadsPage(opts.bucket, opts.prefix ?? "", opts.keyMarker, opts.uploadIdMarker);
  }

  /** Size, ETag and stored checksum of an object (or of one of its parts), or "not_found". */
  async headObject(ref: ObjectRef, signal: AbortSignal, opts?: HeadOptions): Promise<ObjectInfo> {
    await this.#enter("headObject", signal);
    const object = this.#object(ref);
    const info: ObjectInfo = {
      size: object.body.length,
      eTag: object.eTag,
      lastModified: object.lastModified,
      ...(object.checksum ? { checksum: object.checksum } : {}),
    };
    if (opts?.partNumber === undefined) return info;
    const sizes = object.partSizes ?? [object.body.length];
    const size = sizes[opts.partNumber - 1];
    if (size === undefined) throw invalid("InvalidPartNumber", "The part number is out of range.");
    return { ...info, size, partsCount: sizes.length };
  }

  /** The sizes of the parts the object was completed from (GetObjectAttributes). */
  async objectPartSizes(ref: ObjectRef, signal: AbortSignal): Promise<number[] | undefined> {
    await this.#enter("headObject", signal);
    return this.#object(ref).partSizes?.slice();
  }

  /** The object's bytes (or `opts.range` of them) as a stream, in 64 KiB pieces. */
  async readObject(
    ref: ObjectRef,
    signal: AbortSignal,
    opts?: ReadOptions,
  ): Promise<AsyncIterable<Uint8Array>> {
    await this.#enter("readObject", signal);
    return byteStream(this.#object(ref).body, opts?.range);
  }

  #object(ref: ObjectRef): StoredObject {
    const object = this.#bucket(ref.bucket).objects.get(ref.key);
    if (!object) {
      throw new BackendError("not_found", `No object "${ref.key}" in bucket "${ref.bucket}".`, {
        code: "NotFound",
        status: 404,
      });
    }
    return object;
  }

  /** Nothing to release. */
  close(): void {}

  // ---- internals ---------------------------------------------------------------------

  get #rules() {
    return {
      etagIsMd5: this.#etagIsMd5,
      rejectChecksumHeaders: this.#rejectChecksumHeaders,
      verifies: this.#verifies,
    };
  }

  async #enter(method: BackendMethod, signal: AbortSignal): Promise<void> {
    this.stats.calls[method]++;
    throwIfAborted(signal);
    if (this.#latencyMs > 0) await abortableSleep(this.#latencyMs, signal);
    else await Promise.resolve();
    throwIfAborted(signal);
  }

  #bucket(name: string): Bucket {
    const bucket = this.#buckets.get(name);
    if (!bucket) {
      throw new BackendError(
        "no_such_bucket",
        `The bucket "${name}" does not exist; check the bucket name or create it first.`,
        { code: "NoSuchBucket", status: 404 },
      );
    }
    return bucket;
  }

  #upload(ref: ObjectRef & { uploadId: string }): OpenUpload {
    const upload = this.#bucket(ref.bucket).uploads.get(ref.uploadId);
    if (!upload || upload.key !== ref.key) {
      throw new BackendError(
        "no_such_upload",
        `The multipart upload "${ref.uploadId}" does not exist; it may have been aborted, ` +
          "completed or purged.",
        { code: "NoSuchUpload", status: 404 },
      );
    }
    return upload;
  }

  #partsPage(ref: ObjectRef & { uploadId: string }, marker: number, maxParts: number): PartsPage {
    const upload = this.#upload(ref);
    this.stats.listPartsPages++;
    return partsPage(upload, marker, maxParts, this.#listPartsOmitsChecksums);
  }

  #uploadsPage(
    bucketName: string,
    prefix: string,
    keyMarker: string | undefined,
    uploadIdMarker: string | undefined,
  ): UploadsPage {
    const bucket = this.#bucket(bucketName);
    this.stats.listUploadsPages++;
    return uploadsPage(sortedUploads(bucket), prefix, keyMarker, uploadIdMarker);
  }
}
