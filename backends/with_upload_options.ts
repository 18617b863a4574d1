/**
 * A Backend decorator for the options of one upload run: it adds the object options to
 * CreateMultipartUpload and PutObject, and the request options (SSE-C key, expected bucket
 * owner, requester pays) to every call. The engine stays unaware of both.
 *
 * @module
 */
import type { ObjectOptions, RequestOptions } from "./object_options.ts";
import type { Backend, ObjectRef } from "./types.ts";
import { decorate } from "./decorate.ts";

/** What {@link withUploadOptions} adds. */
export interface UploadOptions {
  objectOptions?: ObjectOptions;
  requestOptions?: RequestOptions;
}

/** `backend` with `options` applied to every call. Returns `backend` itself when there are none. */
export function withUploadOptions(backend: Backend, options: UploadOptions): Backend {
  const none = !options.objectOptions && !options.requestOptions;
  return none ? backend : optionsBackend(backend, options);
}

/**
 * The wrapped backend: every call gets the request options on its object reference (all but
 * the bucket-wide listing of uploads); create and put add the object options.
 */
function optionsBackend(inner: Backend, options: UploadOptions): Backend {
  const { objectOptions, requestOptions } = options;
  return decorate(inner, (method, [first, ...rest], call) => {
    if (method === "listMultipartUploads") return call([first, ...rest]);
    let ref = requestOptions ? { ...(first as ObjectRef), requestOptions } : first as ObjectRef;
    if (method === "createMultipartUpload" || method === "putObject") {
      const given = (first as { objectOptions?: ObjectOptions }).objectOptions;
      ref = { ...ref, objectOptions: { ...given, ...objectOptions } } as ObjectRef;
    }
    return call([ref, ...rest]);
  });
}
