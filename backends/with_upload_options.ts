/**
 * A Backend decorator for the options of one upload run: it adds the object options to
 * CreateMultipartUpload, the request options (SSE-C key, expected bucket owner, requester
 * pays) to every call, and, when a rate limit or byte progress is active, feeds part bodies
 * in slices through the shared token bucket. The engine stays unaware of all three.
 *
 * @module
 */
import type { ObjectOptions, RequestOptions } from "../src/object_options.ts";
import { slicer, type TokenBucket } from "../src/rate_limit.ts";
import type {
  Backend,
  BackendLimits,
  CompletedUpload,
  CreateOptions,
  HeadOptions,
  MultipartUploadInfo,
  ObjectInfo,
  ObjectRef,
  PartsRef,
  UploadedPart,
  UploadPartInput,
} from "./types.ts";
import { bodySize } from "./part_body.ts";

/** Receives part bytes as they leave, for a progress display. */
export interface WireProgress {
  /** `bytes` more of some part body were handed to the socket. */
  bytesSent(bytes: number): void;
  /**
   * A part request ended: withdraw the `sent` bytes reported for it; `landed` bytes (the
   * part's size on success, 0 on failure) stay counted until the engine reports the part done.
   */
  requestEnded(sent: number, landed: number): void;
}

/** What {@link withUploadOptions} adds. */
export interface UploadOptions {
  objectOptions?: ObjectOptions;
  requestOptions?: RequestOptions;
  /** --limit-rate's bucket, shared by every worker. */
  rateLimit?: TokenBucket;
  wire?: WireProgress;
}

/** `backend` with `options` applied to every call. Returns `backend` itself when there are none. */
export function withUploadOptions(backend: Backend, options: UploadOptions): Backend {
  const none = !options.objectOptions && !options.requestOptions && !options.rateLimit &&
    !options.wire;
  return none ? backend : new OptionsBackend(backend, options);
}

class OptionsBackend implements Backend {
  readonly objectPartSizes?: Backend["objectPartSizes"];
  readonly readObject?: Backend["readObject"];

  constructor(private readonly inner: Backend, private readonly options: UploadOptions) {
    // Optional capabilities stay optional: offered only where the inner backend has them.
    const { objectPartSizes, readObject } = inner;
    if (objectPartSizes) {
      this.objectPartSizes = (ref, signal) => objectPartSizes.call(inner, this.#ref(ref), signal);
    }
    if (readObject) {
      this.readObject = (ref, signal) => readObject.call(inner, this.#ref(ref), signal);
    }
  }

  get name(): string {
    return this.inner.name;
  }

  get limits(): BackendLimits {
    return this.inner.limits;
  }

  get trailingChecksums(): boolean | undefined {
    return this.inner.trailingChecksums;
  }

  #ref<T extends ObjectRef>(ref: T): T {
    const requestOptions = this.options.requestOptions;
    return requestOptions ? { ...ref, requestOptions } : ref;
  }

  createMultipartUpload(opts: CreateOptions, signal: AbortSignal): Promise<string> {
    return this.inner.createMultipartUpload(
      {
        ...this.#ref(opts),
        objectOptions: { ...opts.objectOptions, ...this.options.objectOptions },
      },
      signal,
    );
  }

  async uploadPart(input: UploadPartInput, signal: AbortSignal): Promise<UploadedPart> {
    const { rateLimit, wire } = this.options;
    if (!rateLimit && !wire) return this.inner.uploadPart(this.#ref(input), signal);
    let sent = 0;
    const paceBody = slicer({
      bucket: rateLimit,
      sent: (bytes) => {
        sent += bytes;
        wire?.bytesSent(bytes);
      },
    });
    try {
      const part = await this.inner.uploadPart({ ...this.#ref(input), paceBody }, signal);
      wire?.requestEnded(sent, bodySize(input.body));
      return part;
    } catch (error) {
      wire?.requestEnded(sent, 0);
      throw error;
    }
  }

  listParts(ref: PartsRef, signal: AbortSignal): Promise<UploadedPart[]> {
    return this.inner.listParts(this.#ref(ref), signal);
  }

  completeMultipartUpload(
    ref: Parameters<Backend["completeMultipartUpload"]>[0],
    signal: AbortSignal,
  ): Promise<CompletedUpload> {
    return this.inner.completeMultipartUpload(this.#ref(ref), signal);
  }

  abortMultipartUpload(ref: ObjectRef & { uploadId: string }, signal: AbortSignal): Promise<void> {
    return this.inner.abortMultipartUpload(this.#ref(ref), signal);
  }

  listMultipartUploads(
    opts: { bucket: string; prefix?: string },
    signal: AbortSignal,
  ): Promise<MultipartUploadInfo[]> {
    return this.inner.listMultipartUploads(opts, signal);
  }

  headObject(ref: ObjectRef, signal: AbortSignal, opts?: HeadOptions): Promise<ObjectInfo> {
    return this.inner.headObject(this.#ref(ref), signal, opts);
  }

  close(): void {
    this.inner.close();
  }
}
