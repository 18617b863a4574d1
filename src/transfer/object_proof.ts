import type { ChecksumAlgorithm, ChecksumType, ObjectChecksum } from "../../backends/types.ts";
import {
  compositeChecksum,
  fullObjectChecksum,
  isCombinable,
  isMd5Hex,
  multipartETag,
} from "../../backends/checksum.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { md5Base64ToHex } from "../../backends/etag.ts";

/**
 * What the object this upload builds must show, computed from the journal alone (the part
 * checksums of the bytes actually sent, and the part ETags the server answered), so no byte
 * of the file is read twice.
 */
export interface ExpectedObject {
  size: number;
  /** The whole-object checksum the store should keep (FULL_OBJECT or COMPOSITE). */
  checksum?: ObjectChecksum;
  /**
   * S3's multipart ETag: from the MD5s of the bytes sent (Content-MD5 parts), else from the
   * part ETags the server answered, when they are hex MD5-like.
   */
  eTag?: string;
  /**
   * The store showed its ETags are MD5s in this upload (a part's ETag is the MD5 of the bytes
   * sent), so an object ETag other than `eTag` means other bytes, not another ETag scheme.
   */
  eTagsShownMd5?: boolean;
}

/** The proof an object gave, or why it gave none. */
export type Proof =
  | { proved: true; by: "full-object checksum" | "composite checksum" | "multipart ETag" }
  /** `mismatch`: a value was compared and differs (not merely missing). */
  | { proved: false; mismatch: boolean; reason: string };

/**
 * The object this upload's parts make: its size, its checksum (from the journaled part
 * checksums, combined without the bytes for FULL_OBJECT), and its multipart ETag.
 */
export function expectedObject(
  algorithm: ChecksumAlgorithm,
  type: ChecksumType | undefined,
  parts: JournalEntry[],
  size: number,
): ExpectedObject {
  const expected: ExpectedObject = { size };
  const checksums = parts.map((p) => p.checksum ?? "");
  const flexible = algorithm !== "md5" && algorithm !== "none";
  if (flexible && checksums.every((c) => c !== "")) {
    if (type === "FULL_OBJECT" && isCombinable(algorithm)) {
      const value = fullObjectChecksum(
        algorithm,
        parts.map((p, i) => ({ checksum: checksums[i], size: partSize(p) })),
      );
      expected.checksum = { algorithm, value, type };
    } else {
      expected.checksum = {
        algorithm,
        value: compositeChecksum(algorithm, checksums),
        type: "COMPOSITE",
      };
    }
  }
  // Content-MD5 parts: the ETags the object must be made of are the MD5s of the bytes sent,
  // not whatever the store answered (a store that ignores Content-MD5 answers with the MD5 of
  // what it received).
  const sentMd5s = parts.map((p) =>
    algorithm === "md5" && p.checksum ? md5Base64ToHex(p.checksum) : ""
  );
  const eTags = parts.map((p, i) => sentMd5s[i] || p.eTag);
  if (eTags.every(isMd5Hex)) {
    expected.eTag = multipartETag(eTags);
  }
  if (parts.some((p, i) => sentMd5s[i] !== "" && p.eTag.toLowerCase() === sentMd5s[i])) {
    expected.eTagsShownMd5 = true;
  }
  return expected;
}

function partSize(part: JournalEntry): number {
  if (part.size === undefined) {
    throw new Error(`The parts file has no size for part ${part.partNumber}.`);
  }
  return part.size;
}

/**
 * Whether `found` (a Complete answer or a HeadObject) is the object `expected` describes.
 * A stored checksum is compared when both sides have one of the same algorithm and type; else
 * the multipart ETag. Size and part count alone prove nothing.
 */
export function proveObject(
  found: { eTag: string; size?: number; checksum?: ObjectChecksum },
  expected: ExpectedObject,
): Proof {
  if (found.size !== undefined && found.size !== expected.size) {
    return {
      proved: false,
      mismatch: true,
      reason: `it is ${found.size} bytes, this upload's parts make ${expected.size}`,
    };
  }
  const want = expected.checksum;
  const got = found.checksum;
  if (want && got && got.algorithm === want.algorithm && got.type === want.type) {
    if (got.value === want.value) {
      return {
        proved: true,
        by: want.type === "FULL_OBJECT" ? "full-object checksum" : "composite checksum",
      };
    }
    return {
      proved: false,
      mismatch: true,
      reason:
        `its ${got.algorithm.toUpperCase()} checksum ${got.value} differs from the ${want.value} of the bytes sent`,
    };
  }
  if (expected.eTag !== undefined && found.eTag !== "") {
    if (found.eTag.toLowerCase() === expected.eTag.toLowerCase()) {
      return { proved: true, by: "multipart ETag" };
    }
    return {
      proved: false,
      mismatch: true,
      reason: `its ETag ${found.eTag} differs from the ${expected.eTag} of the parts sent`,
    };
  }
  return {
    proved: false,
    mismatch: false,
    reason: "the store reported no checksum or ETag to compare",
  };
}

/** The hex MD5 a Content-MD5 part was sent with ("" when the journal holds no 16-byte MD5). */
function sentMd5Hex(algorithm: ChecksumAlgorithm, part: JournalEntry): string {
  if (algorithm !== "md5" || !part.checksum) return "";
  try {
    const hex = md5Base64ToHex(part.checksum);
    return hex.length === 32 ? hex : "";
  } catch {
    return ""; // not base64: no MD5 of ours to compare
  }
}

/**
 * Content-MD5 parts the store holds other bytes of: their ETag is an MD5 but not the MD5
 * of the bytes sent, while another part's ETag is its MD5 (so this upload's ETags are MD5s,
 * and the store did not check Content-MD5). Empty when nothing shows that.
 */
export function damagedParts(algorithm: ChecksumAlgorithm, parts: JournalEntry[]): number[] {
  const sent = parts.map((p) => sentMd5Hex(algorithm, p));
  const matches = (p: JournalEntry, i: number) => p.eTag.toLowerCase() === sent[i];
  if (!parts.some((p, i) => sent[i] !== "" && matches(p, i))) return [];
  return parts
    .filter((p, i) => sent[i] !== "" && isMd5Hex(p.eTag) && !matches(p, i))
    .map((p) => p.partNumber);
}
