/**
 * An in-memory store that behaves like S3 for multipart uploads: part-size limits checked
 * at completion, MD5 ETags, multipart ETags with a "-N" suffix, checksum verification,
 * NoSuchUpload for unknown ids and 1,000-item pages. Engine tests run against it in
 * milliseconds; FaultBackend (fault_backend.ts) wraps it to inject failures.
 */
import { createHash } from "node:crypto";
import { BackendError } from "../../src/errors.ts";
import {
  type Backend,
  type BackendLimits,
  type ChecksumAlgorithm,
  type ChecksumType,
  type CompletedUpload,
  type CompleteInput,
  type CreateOptions,
  type HeadOptions,
  type MultipartUploadInfo,
  type ObjectChecksum,
  type ObjectInfo,
  type ObjectRef,
  type PartsRef,
  S3_LIMITS,
  type UploadedPart,
  type UploadPartInput,
} from "../types.ts";
import { compositeChecksum, computeChecksum, md5Hex, multipartETag } from "../../src/checksum.ts";
import { abortableSleep, throwIfAborted } from "./abortable_sleep.ts";
import { bodySlices } from "../part_body.ts";

/** The Backend methods that talk to the store. */
type BackendMethod = Exclude<
  keyof Backend,
  "name" | "limits" | "close" | "objectPartSizes" | "readObject"
>;

/** S3's page size for ListParts and ListMultipartUploads. */
const PAGE_SIZE = 1000;

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

interface StoredPart {
  partNumber: number;
  body: Uint8Array;
  eTag: string;
  checksum?: string;
}

interface OpenUpload {
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

interface StoredObject {
  body: Uint8Array;
  eTag: string;
  lastModified: Date;
  checksum?: ObjectChecksum;
  partSizes?: number[];
  objectOptions?: CreateOptions["objectOptions"];
}

interface Bucket {
  objects: Map<string, StoredObject>;
  uploads: Map<string, OpenUpload>;
}

/** S3 refuses a part or Complete of an SSE-C upload without the create's key. */
function checkSseCustomer(upload: OpenUpload, ref: ObjectRef): void {
  if (upload.sseCustomerKeyMd5 === ref.requestOptions?.sseCustomer?.keyMd5) return;
  throw invalid(
    "InvalidRequest",
    "The upload was initiated with a customer-provided key (SSE-C); every request must carry the same key.",
  );
}

async function collect(slices: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const slice of slices) chunks.push(slice.slice());
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

function isFlexible(algorithm: ChecksumAlgorithm): boolean {
  return algorithm !== "none" && algorithm !== "md5";
}

function invalid(code: string, message: string): BackendError {
  return new BackendError("invalid_request", message, { code, status: 400 });
}

function stripQuotes(eTag: string): string {
  return eTag.replaceAll('"', "");
}

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
  readonly #latencyMs: number;
  #seq = 0;

  constructor(options: MemoryBackendOptions = {}) {
    this.name = options.name ?? "memory";
    this.limits = Object.freeze({ ...S3_LIMITS, ...options.limits });
    this.#rejectChecksumHeaders = options.rejectChecksumHeaders ?? false;
    this.#etagIsMd5 = options.etagIsMd5 ?? true;
    this.#listPartsOmitsChecksums = options.listPartsOmitsChecksums ?? false;
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

  /** Stores an object directly, as a single-part PUT would (ETag = MD5 of the bytes). */
  putObject(bucket: string, key: string, body: Uint8Array): void {
    this.#bucket(bucket).objects.set(key, {
      body: body.slice(),
      eTag: this.#partETag(body),
      lastModified: new Date(),
    });
  }

  /** The unfinished uploads of a bucket, sorted by key then age. */
  openUploads(bucket: string): OpenUploadSummary[] {
    return this.#sortedUploads(this.#bucket(bucket)).map((u) => ({
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
    const body = await collect(input.paceBody ? input.paceBody(slices, signal) : slices);
    this.stats.bytesReceived += body.length;
    if (body.length > this.limits.maxPartSize) {
      throw invalid(
        "EntityTooLarge",
        `Part ${partNumber} is ${body.length} bytes, above the ${this.limits.maxPartSize}-byte maximum.`,
      );
    }
    const checksum = this.#verifyChecksum(upload, input, body);
    const part: StoredPart = { partNumber, body, eTag: this.#partETag(body), checksum };
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
    const stored = this.#checkCompletion(upload, input.parts);
    const total = stored.reduce((sum, p) => sum + p.body.length, 0);
    const body = new Uint8Array(total);
    let offset = 0;
    for (const part of stored) {
      body.set(part.body, offset);
      offset += part.body.length;
    }
    const checksum = this.#objectChecksum(upload, stored, body, input.fullObjectChecksum);
    const eTag = this.#objectETag(stored.map((p) => p.eTag));
    bucket.objects.set(input.key, {
      body,
      eTag,
      lastModified: new Date(),
      ...(checksum ? { checksum } : {}),
      partSizes: stored.map((p) => p.body.length),
      objectOptions: upload.objectOptions,
    });
    bucket.uploads.delete(upload.uploadId);
    return {
      eTag,
      location: `memory://${input.bucket}/${input.key}`,
      ...(checksum ? { checksum } : {}),
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

  /** The object's bytes as a stream, in 64 KiB pieces. */
  async readObject(ref: ObjectRef, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    await this.#enter("headObject", signal);
    const body = this.#object(ref).body;
    let at = 0;
    return new ReadableStream({
      pull(controller) {
        if (at >= body.length) return controller.close();
        controller.enqueue(body.slice(at, at + 65536));
        at += 65536;
      },
    });
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

  /**
   * The checksum the store keeps: FULL_OBJECT computed over the bytes and checked against
   * the client's value (as MinIO does: XAmzContentChecksumMismatch), or COMPOSITE.
   */
  #objectChecksum(
    upload: OpenUpload,
    stored: StoredPart[],
    body: Uint8Array,
    claimed: string | undefined,
  ): ObjectChecksum | undefined {
    const algorithm = upload.checksumAlgorithm;
    if (!isFlexible(algorithm)) return undefined;
    if (upload.checksumType === "FULL_OBJECT") {
      const value = computeChecksum(algorithm, body);
      if (claimed !== undefined && claimed !== value) {
        throw invalid(
          "XAmzContentChecksumMismatch",
          "The provided full-object checksum does not match the object's bytes.",
        );
      }
      return { algorithm, value, type: "FULL_OBJECT" };
    }
    const value = compositeChecksum(algorithm, stored.map((p) => p.checksum ?? ""));
    return { algorithm, value, type: "COMPOSITE" };
  }

  /** Nothing to release. */
  close(): void {}

  // ---- internals ---------------------------------------------------------------------

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

  #verifyChecksum(
    upload: OpenUpload,
    input: UploadPartInput,
    body: Uint8Array,
  ): string | undefined {
    const { algorithm, value } = input.checksum;
    if (this.#rejectChecksumHeaders && isFlexible(algorithm)) {
      throw invalid(
        "InvalidArgument",
        `This store does not support the x-amz-checksum-${algorithm} header; ` +
          "use an MD5 or no per-part checksum with it.",
      );
    }
    if (isFlexible(upload.checksumAlgorithm) && algorithm !== upload.checksumAlgorithm) {
      throw invalid(
        "InvalidRequest",
        `Checksum type mismatch: the upload was created with ${upload.checksumAlgorithm}, ` +
          `so every part must carry it (part ${input.partNumber} carries ${algorithm}).`,
      );
    }
    if (algorithm === "none") return undefined;
    if (value === "") {
      throw invalid("InvalidRequest", `Part ${input.partNumber} has an empty ${algorithm} value.`);
    }
    if (computeChecksum(algorithm, body) !== value) {
      // Retryable, as the S3 adapter classifies it: the bytes were damaged on the way.
      throw new BackendError(
        "retryable",
        `The ${algorithm} checksum of part ${input.partNumber} does not match its bytes.`,
        { code: "BadDigest", status: 400 },
      );
    }
    return isFlexible(algorithm) ? value : undefined;
  }

  #checkCompletion(upload: OpenUpload, parts: UploadedPart[]): StoredPart[] {
    if (parts.length === 0) {
      throw invalid("MalformedXML", "A multipart upload must be completed with at least one part.");
    }
    const stored: StoredPart[] = [];
    let previous = 0;
    for (const part of parts) {
      if (part.partNumber <= previous) {
        throw invalid("InvalidPartOrder", "The list of parts must be in ascending part order.");
      }
      previous = part.partNumber;
      const held = upload.parts.get(part.partNumber);
      if (!held || stripQuotes(part.eTag) !== held.eTag) {
        throw invalid(
          "InvalidPart",
          `Part ${part.partNumber} was not found or its ETag does not match; list the parts ` +
            "again and re-upload the missing ones.",
        );
      }
      if (isFlexible(upload.checksumAlgorithm)) {
        if (!part.checksum) {
          throw invalid(
            "InvalidRequest",
            `The upload was created with ${upload.checksumAlgorithm}; the complete request ` +
              `must include the checksum of each part (missing for part ${part.partNumber}).`,
          );
        }
        if (part.checksum !== held.checksum) {
          throw invalid("InvalidPart", `The checksum of part ${part.partNumber} does not match.`);
        }
      }
      stored.push(held);
    }
    this.#checkSizes(stored);
    return stored;
  }

  #checkSizes(stored: StoredPart[]): void {
    const { minPartSize, equalPartSizes, maxObjectSize } = this.limits;
    const last = stored.length - 1;
    const firstSize = stored[0].body.length;
    for (let i = 0; i < last; i++) {
      const { partNumber, body } = stored[i];
      if (body.length < minPartSize) {
        throw invalid(
          "EntityTooSmall",
          `Part ${partNumber} is ${body.length} bytes; every part but the last must be at ` +
            `least ${minPartSize} bytes.`,
        );
      }
      if (equalPartSizes && body.length !== firstSize) {
        throw invalid("InvalidPart", "All non-trailing parts must have the same size.");
      }
    }
    if (equalPartSizes && last > 0 && stored[last].body.length > firstSize) {
      throw invalid("InvalidPart", "The last part must not be larger than the others.");
    }
    const total = stored.reduce((sum, p) => sum + p.body.length, 0);
    if (total > maxObjectSize) {
      throw invalid("EntityTooLarge", `The object would be ${total} bytes, above the maximum.`);
    }
  }

  #partsPage(
    ref: ObjectRef & { uploadId: string },
    marker: number,
    maxParts: number,
  ): PartsPage {
    const upload = this.#upload(ref);
    this.stats.listPartsPages++;
    const after = [...upload.parts.values()]
      .filter((p) => p.partNumber > marker)
      .sort((a, b) => a.partNumber - b.partNumber);
    const page = after.slice(0, maxParts);
    const isTruncated = after.length > maxParts;
    return {
      parts: page.map((p) => ({
        partNumber: p.partNumber,
        eTag: p.eTag,
        size: p.body.length,
        ...(p.checksum === undefined || this.#listPartsOmitsChecksums
          ? {}
          : { checksum: p.checksum }),
      })),
      isTruncated,
      nextPartNumberMarker: isTruncated ? page[page.length - 1].partNumber : undefined,
    };
  }

  #uploadsPage(
    bucketName: string,
    prefix: string,
    keyMarker: string | undefined,
    uploadIdMarker: string | undefined,
  ): UploadsPage {
    const bucket = this.#bucket(bucketName);
    this.stats.listUploadsPages++;
    const sorted = this.#sortedUploads(bucket).filter((u) => u.key.startsWith(prefix));
    let start = 0;
    if (keyMarker !== undefined) {
      const markerIndex = sorted.findIndex((u) =>
        u.key === keyMarker && u.uploadId === uploadIdMarker
      );
      start = markerIndex >= 0 ? markerIndex + 1 : sorted.findIndex((u) => u.key > keyMarker);
      if (start < 0) start = sorted.length;
    }
    const page = sorted.slice(start, start + PAGE_SIZE);
    const isTruncated = start + PAGE_SIZE < sorted.length;
    const last = page[page.length - 1];
    return {
      uploads: page.map((u) => ({ key: u.key, uploadId: u.uploadId, initiated: u.initiated })),
      isTruncated,
      nextKeyMarker: isTruncated ? last.key : undefined,
      nextUploadIdMarker: isTruncated ? last.uploadId : undefined,
    };
  }

  #sortedUploads(bucket: Bucket): OpenUpload[] {
    return [...bucket.uploads.values()].sort((a, b) =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq
    );
  }

  #partETag(body: Uint8Array): string {
    if (this.#etagIsMd5) return md5Hex(body);
    // An opaque ETag that looks like an MD5 but is not one, as on several S3-compatible stores.
    return createHash("sha256").update(body).digest("hex").slice(0, 32);
  }

  #objectETag(partETags: string[]): string {
    if (this.#etagIsMd5) return multipartETag(partETags);
    const hash = createHash("sha256");
    for (const eTag of partETags) hash.update(eTag);
    return `${hash.digest("hex").slice(0, 32)}-${partETags.length}`;
  }
}

function emptyStats(): MemoryBackendStats {
  return {
    calls: {
      createMultipartUpload: 0,
      uploadPart: 0,
      listParts: 0,
      completeMultipartUpload: 0,
      abortMultipartUpload: 0,
      listMultipartUploads: 0,
      headObject: 0,
    },
    bytesReceived: 0,
    listPartsPages: 0,
    listUploadsPages: 0,
  };
}
