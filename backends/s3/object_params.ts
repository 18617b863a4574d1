/**
 * Translates object and request options into @aws-sdk/client-s3 command fields, so the
 * adapter's calls each add one spread.
 *
 * @module
 */
import type { CreateMultipartUploadCommandInput } from "@aws-sdk/client-s3";
import type { ObjectOptions, RequestOptions } from "../object_options.ts";

type CreateFields = Partial<CreateMultipartUploadCommandInput>;

/** Fields of CreateMultipartUpload for the object options. */
export function createObjectParams(options: ObjectOptions | undefined): CreateFields {
  if (!options) return {};
  const o = options;
  return dropUndefined({
    ContentType: o.contentType,
    ContentEncoding: o.contentEncoding,
    ContentDisposition: o.contentDisposition,
    ContentLanguage: o.contentLanguage,
    CacheControl: o.cacheControl,
    Expires: o.expires ? new Date(o.expires) : undefined,
    Metadata: o.metadata && Object.keys(o.metadata).length > 0 ? o.metadata : undefined,
    StorageClass: o.storageClass as CreateFields["StorageClass"],
    ServerSideEncryption: o.sse,
    SSEKMSKeyId: o.sseKmsKeyId,
    ACL: o.acl as CreateFields["ACL"],
    Tagging: o.tagging,
  });
}

/**
 * Fields every request of the upload repeats. `sse` is false for calls that take no SSE-C
 * headers (AbortMultipartUpload, ListMultipartUploads).
 */
export function requestParams(
  options: RequestOptions | undefined,
  sse = true,
): {
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
  SSECustomerKeyMD5?: string;
  ExpectedBucketOwner?: string;
  RequestPayer?: "requester";
} {
  if (!options) return {};
  const c = sse ? options.sseCustomer : undefined;
  return dropUndefined({
    SSECustomerAlgorithm: c?.algorithm,
    SSECustomerKey: c ? btoa(String.fromCharCode(...c.key)) : undefined,
    SSECustomerKeyMD5: c?.keyMd5,
    ExpectedBucketOwner: options.expectedBucketOwner,
    RequestPayer: options.requestPayer,
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
