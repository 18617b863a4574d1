/**
 * The objects the memory store keeps: one assembled from a completed upload's parts, or one
 * stored whole by PutObject, with the ETag and checksum S3 gives each.
 */
import type { PutObjectInput } from "../types.ts";
import type { OpenUpload, StoredObject, StoredPart } from "./memory_model.ts";
import { objectChecksum, objectETag, partETag, verifyChecksum } from "./s3_rules.ts";

/** How the store treats bodies: MD5 ETags or not, checksums verified, headers refused. */
export interface StoreRules {
  etagIsMd5: boolean;
  verifies: boolean;
  rejectChecksumHeaders: boolean;
}

/** The object a Complete of `stored` (checked parts, in order) makes. */
export function completedObject(
  upload: OpenUpload,
  stored: StoredPart[],
  claimed: string | undefined,
  rules: StoreRules,
): StoredObject {
  const body = new Uint8Array(stored.reduce((sum, p) => sum + p.body.length, 0));
  let offset = 0;
  for (const part of stored) {
    body.set(part.body, offset);
    offset += part.body.length;
  }
  const checksum = objectChecksum(upload, stored, body, claimed, rules.verifies);
  return {
    body,
    eTag: objectETag(stored.map((p) => p.eTag), rules.etagIsMd5),
    lastModified: new Date(),
    ...(checksum ? { checksum } : {}),
    partSizes: stored.map((p) => p.body.length),
    objectOptions: upload.objectOptions,
  };
}

/** The object a PutObject of `body` stores: its checksum verified, a flexible one kept. */
export function putObjectStored(
  input: PutObjectInput,
  body: Uint8Array,
  rules: StoreRules,
): StoredObject {
  const value = verifyChecksum(input.checksum, body, "object", rules);
  return {
    body,
    eTag: partETag(body, rules.etagIsMd5),
    lastModified: new Date(),
    ...(value
      ? { checksum: { algorithm: input.checksum.algorithm, value, type: "FULL_OBJECT" } }
      : {}),
    objectOptions: input.objectOptions,
  };
}
