/**
 * Object options given at CreateMultipartUpload (aws-cli's names): content headers, user
 * metadata, storage class, server-side encryption, ACL, tags, and the request-level options
 * every call of the upload must repeat (SSE-C key, expected bucket owner, requester pays).
 *
 * What is recorded in the meta file is {@link RecordedObjectOptions}: everything but the
 * SSE-C key itself (only its MD5, which S3 also sends, to recognise a different key).
 *
 * @module
 */

import type { ObjectOptions, RequestOptions } from "../backends/object_options.ts";

export type { ObjectOptions, RequestOptions, SseCustomerKey } from "../backends/object_options.ts";

/** What the meta file keeps: the object options, minus secrets. */
export interface RecordedObjectOptions extends ObjectOptions {
  /** The content type was guessed from the file name, not given. */
  contentTypeGuessed?: boolean;
  sseCustomerAlgorithm?: "AES256";
  /** Base64 MD5 of the SSE-C key (a fingerprint; S3 stores the same). */
  sseCustomerKeyMd5?: string;
  expectedBucketOwner?: string;
  requestPayer?: "requester";
}

/** The record of `object` and `request` for the meta file: no key material. */
export function recordOptions(
  object: ObjectOptions & { contentTypeGuessed?: boolean },
  request: RequestOptions,
): RecordedObjectOptions {
  const recorded: RecordedObjectOptions = { ...object };
  if (request.sseCustomer) {
    recorded.sseCustomerAlgorithm = request.sseCustomer.algorithm;
    recorded.sseCustomerKeyMd5 = request.sseCustomer.keyMd5;
  }
  if (request.expectedBucketOwner) recorded.expectedBucketOwner = request.expectedBucketOwner;
  if (request.requestPayer) recorded.requestPayer = request.requestPayer;
  return dropUndefined(recorded);
}

/** Labels for messages, by field: the option a user would change. */
export const OPTION_FLAGS: Record<keyof RecordedObjectOptions, string> = {
  contentType: "--content-type",
  contentTypeGuessed: "--no-guess-mime-type",
  contentEncoding: "--content-encoding",
  contentDisposition: "--content-disposition",
  contentLanguage: "--content-language",
  cacheControl: "--cache-control",
  expires: "--expires",
  metadata: "--metadata",
  storageClass: "--storage-class",
  sse: "--sse",
  sseKmsKeyId: "--sse-kms-key-id",
  acl: "--acl",
  tagging: "--tagging",
  sseCustomerAlgorithm: "--sse-c",
  sseCustomerKeyMd5: "the SSE-C key",
  expectedBucketOwner: "--expected-bucket-owner",
  requestPayer: "--request-payer",
};

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
