/**
 * The options of one upload that a store receives (aws-cli's names): those shaping the object,
 * sent once at CreateMultipartUpload, and those every request of the upload must repeat (SSE-C
 * key, expected bucket owner, requester pays). The port owns them; src/object_options.ts adds
 * what the meta file records.
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
