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

/** Server-side encryption with a customer-provided key (SSE-C). The key never leaves memory. */
export interface SseCustomerKey {
  algorithm: "AES256";
  /** The 32-byte key. */
  key: Uint8Array;
  /** Base64 MD5 of the key, as S3's x-amz-server-side-encryption-customer-key-MD5. */
  keyMd5: string;
}

/** Options S3 wants on every request of an upload, not only at create. */
export interface RequestOptions {
  sseCustomer?: SseCustomerKey;
  expectedBucketOwner?: string;
  requestPayer?: "requester";
}

/** Options that shape the object; sent once, at create. */
export interface ObjectOptions {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  /** ISO 8601; sent as the Expires header. */
  expires?: string;
  metadata?: Record<string, string>;
  storageClass?: string;
  sse?: "AES256" | "aws:kms" | "aws:kms:dsse";
  sseKmsKeyId?: string;
  acl?: string;
  /** URL-encoded, as `k=v&k2=v2`. */
  tagging?: string;
}

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
