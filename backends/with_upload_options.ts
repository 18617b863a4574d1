/**
 * A Backend decorator for the options of one upload run: it adds the object options to
 * CreateMultipartUpload, the request options (SSE-C key, expected bucket owner, requester
 * pays) to every call, and, when a rate limit or byte progress is active, feeds part bodies
 * in slices through the shared token bucket. The engine stays unaware of all three.
 *
 * @module
 */
import type { ObjectOptions, RequestOptions } from "./object_options.ts";
import { slicer, type TokenBucket } from "./rate_limit.ts";
import type { Backend, ObjectRef, UploadPartInput } from "./types.ts";
import { decorate } from "./decorate.ts";
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
 * The wrapped backend: every call gets the request options on its object reference (all but
 * the bucket-wide listing of uploads); create and put add the object options, and uploadPart
 * paces the body.
 */
function optionsBackend(inner: Backend, options: UploadOptions): Backend {
  const { objectOptions, requestOptions, rateLimit, wire } = options;
  return decorate(inner, (method, [first, signal, ...rest], call) => {
    if (method === "listMultipartUploads") return call([first, signal, ...rest]);
    let ref = requestOptions ? { ...(first as ObjectRef), requestOptions } : first as ObjectRef;
    if (method === "createMultipartUpload" || method === "putObject") {
      const given = (first as { objectOptions?: ObjectOptions }).objectOptions;
      ref = { ...ref, objectOptions: { ...given, ...objectOptions } } as ObjectRef;
    }
    if (method !== "uploadPart" || (!rateLimit && !wire)) return call([ref, signal, ...rest]);
    return pacedUpload(ref as UploadPartInput, (input) => call([input, signal, ...rest]));
  });

  async function pacedUpload(
    input: UploadPartInput,
    send: (input: UploadPartInput) => Promise<unknown>,
  ): Promise<unknown> {
    let sent = 0;
    const paceBody = slicer({
      bucket: rateLimit,
      sent: (bytes) => {
        sent += bytes;
        wire?.bytesSent(bytes);
      },
    });
    try {
      const part = await send({ ...input, paceBody });
      wire?.requestEnded(sent, bodySize(input.body));
      return part;
    } catch (error) {
      wire?.requestEnded(sent, 0);
      throw error;
    }
  }
}
