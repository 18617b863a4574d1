/**
 * A Backend decorator for the options of one upload run: it adds the object options to
 * CreateMultipartUpload and PutObject, the request options (SSE-C key, expected bucket owner, requester
 * pays) to every call, and, when a rate limit or byte progress is active, feeds part bodies
 * in slices through the shared token bucket. The engine stays unaware of all three.
 *
 * @module
 */
import type { ObjectOptions, RequestOptions } from "./object_options.ts";
import { slicer, type TokenBucket } from "./rate_limit.ts";
import type { Backend, ObjectRef } from "./types.ts";
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
  return none ? backend : optionsBackend(backend, options);
}

/**
 * The wrapped backend: each method forwards to `inner` with the request options added to its
 * object reference; create adds the object options, uploadPart paces the body.
 */
function optionsBackend(inner: Backend, options: UploadOptions): Backend {
  const { objectOptions, requestOptions, rateLimit, wire } = options;
  const withRequest = <T extends ObjectRef>(ref: T): T =>
    requestOptions ? { ...ref, requestOptions } : ref;
  const wrapped: Backend = {
    get name() {
      return inner.name;
    },
    get limits() {
      return inner.limits;
    },
    get trailingChecksums() {
      return inner.trailingChecksums;
    },
    createMultipartUpload: (opts, signal) =>
      inner.createMultipartUpload(
        { ...withRequest(opts), objectOptions: { ...opts.objectOptions, ...objectOptions } },
        signal,
      ),
    uploadPart: async (input, signal) => {
      if (!rateLimit && !wire) return inner.uploadPart(withRequest(input), signal);
      let sent = 0;
      const paceBody = slicer({
        bucket: rateLimit,
        sent: (bytes) => {
          sent += bytes;
          wire?.bytesSent(bytes);
        },
      });
      try {
        const part = await inner.uploadPart({ ...withRequest(input), paceBody }, signal);
        wire?.requestEnded(sent, bodySize(input.body));
        return part;
      } catch (error) {
        wire?.requestEnded(sent, 0);
        throw error;
      }
    },
    listParts: (ref, signal) => inner.listParts(withRequest(ref), signal),
    completeMultipartUpload: (ref, signal) =>
      inner.completeMultipartUpload(withRequest(ref), signal),
    abortMultipartUpload: (ref, signal) => inner.abortMultipartUpload(withRequest(ref), signal),
    // A whole object gets the object options create would have sent (no pacing: bodies put
    // in one request are small).
    putObject: (input, signal) =>
      inner.putObject(
        { ...withRequest(input), objectOptions: { ...input.objectOptions, ...objectOptions } },
        signal,
      ),
    listMultipartUploads: (opts, signal) => inner.listMultipartUploads(opts, signal),
    headObject: (ref, signal, opts) => inner.headObject(withRequest(ref), signal, opts),
    close: () => inner.close(),
  };
  // Optional capabilities stay optional: offered only where the inner backend has them.
  const { objectPartSizes, readObject } = inner;
  if (objectPartSizes) {
    wrapped.objectPartSizes = (ref, signal) =>
      objectPartSizes.call(inner, withRequest(ref), signal);
  }
  if (readObject) {
    wrapped.readObject = (ref, signal, opts) =>
      readObject.call(inner, withRequest(ref), signal, opts);
  }
  return wrapped;
}
