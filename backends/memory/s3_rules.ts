/**
 * S3's rules as the memory store applies them: checksums checked on every part, the parts
 * of a Complete checked for order, ETag, checksum and size, ETags and object checksums as
 * S3 (or a store whose ETags are not MD5s) makes them.
 */
import { createHash } from "node:crypto";
import { BackendError } from "../errors.ts";
import { stripQuotes } from "../etag.ts";
import type {
  BackendLimits,
  ChecksumAlgorithm,
  ObjectChecksum,
  ObjectRef,
  PartChecksum,
  UploadedPart,
  UploadPartInput,
} from "../types.ts";
import { compositeChecksum, computeChecksum, md5Hex, multipartETag } from "../checksum.ts";
import type { OpenUpload, StoredPart } from "./memory_model.ts";

export function checkSseCustomer(upload: OpenUpload, ref: ObjectRef): void {
  if (upload.sseCustomerKeyMd5 === ref.requestOptions?.sseCustomer?.keyMd5) return;
  throw invalid(
    "InvalidRequest",
    "The upload was initiated with a customer-provided key (SSE-C); every request must carry the same key.",
  );
}

export function isFlexible(algorithm: ChecksumAlgorithm): boolean {
  return algorithm !== "none" && algorithm !== "md5";
}

export function invalid(code: string, message: string): BackendError {
  return new BackendError("invalid_request", message, { code, status: 400 });
}

/**
 * The part checksum an upload keeps, after checking it against the bytes as S3 does. A store
 * that does not verify (`verifies` false, as moto) keeps the checksum of the bytes it got.
 */
export function verifyPartChecksum(
  upload: OpenUpload,
  rules: { rejectChecksumHeaders: boolean; verifies: boolean },
  input: UploadPartInput,
  body: Uint8Array,
): string | undefined {
  const { algorithm } = input.checksum;
  if (isFlexible(upload.checksumAlgorithm) && algorithm !== upload.checksumAlgorithm) {
    throw invalid(
      "InvalidRequest",
      `Checksum type mismatch: the upload was created with ${upload.checksumAlgorithm}, ` +
        `so every part must carry it (part ${input.partNumber} carries ${algorithm}).`,
    );
  }
  return verifyChecksum(input.checksum, body, `part ${input.partNumber}`, rules);
}

/**
 * Checks a body's checksum header as S3 does (refused headers, an empty value, a value that
 * is not of the bytes); returns the flexible checksum the store keeps for the body.
 */
export function verifyChecksum(
  checksum: PartChecksum,
  body: Uint8Array,
  what: string,
  rules: { rejectChecksumHeaders: boolean; verifies: boolean },
): string | undefined {
  const { algorithm, value } = checksum;
  if (rules.rejectChecksumHeaders && isFlexible(algorithm)) {
    throw invalid(
      "InvalidArgument",
      `This store does not support the x-amz-checksum-${algorithm} header; ` +
        "use an MD5 or no per-part checksum with it.",
    );
  }
  if (algorithm === "none") return undefined;
  if (value === "") throw invalid("InvalidRequest", `The ${what} has an empty ${algorithm} value.`);
  const actual = computeChecksum(algorithm, body);
  if (rules.verifies && actual !== value) {
    // Retryable, as the S3 adapter classifies it: the bytes were damaged on the way.
    throw new BackendError(
      "retryable",
      `The ${algorithm} checksum of ${what} does not match its bytes.`,
      { code: "BadDigest", status: 400 },
    );
  }
  return isFlexible(algorithm) ? actual : undefined;
}

/**
 * The stored parts a Complete names, checked as S3 checks them (order, ETags, sizes, and each
 * part's checksum unless the store does not verify checksums, as moto).
 */
export function checkCompletion(
  upload: OpenUpload,
  parts: UploadedPart[],
  limits: BackendLimits,
  verifies = true,
): StoredPart[] {
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
      if (verifies && part.checksum !== held.checksum) {
        throw invalid("InvalidPart", `The checksum of part ${part.partNumber} does not match.`);
      }
    }
    stored.push(held);
  }
  checkSizes(stored, limits);
  return stored;
}

function checkSizes(stored: StoredPart[], limits: BackendLimits): void {
  const { minPartSize, equalPartSizes, maxObjectSize } = limits;
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

/**
 * The checksum the store keeps: FULL_OBJECT computed over the bytes and checked against
 * the client's value (as MinIO does: XAmzContentChecksumMismatch; not where `verifies` is
 * false, as on moto), or COMPOSITE of the part checksums it keeps.
 */
export function objectChecksum(
  upload: OpenUpload,
  stored: StoredPart[],
  body: Uint8Array,
  claimed: string | undefined,
  verifies = true,
): ObjectChecksum | undefined {
  const algorithm = upload.checksumAlgorithm;
  if (!isFlexible(algorithm)) return undefined;
  if (upload.checksumType === "FULL_OBJECT") {
    const value = computeChecksum(algorithm, body);
    if (verifies && claimed !== undefined && claimed !== value) {
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

/** A part's ETag: its MD5, or an opaque value where the store's ETags are not MD5s. */
export function partETag(body: Uint8Array, etagIsMd5: boolean): string {
  if (etagIsMd5) return md5Hex(body);
  // An opaque ETag that looks like an MD5 but is not one, as on several S3-compatible stores.
  return createHash("sha256").update(body).digest("hex").slice(0, 32);
}

/** A multipart object's ETag: md5-of-md5s-N, or opaque-N. */
export function objectETag(partETags: string[], etagIsMd5: boolean): string {
  if (etagIsMd5) return multipartETag(partETags);
  const hash = createHash("sha256");
  for (const eTag of partETags) hash.update(eTag);
  return `${hash.digest("hex").slice(0, 32)}-${partETags.length}`;
}
