import type { ChecksumAlgorithm, ChecksumType, ObjectChecksum } from "../../backends/types.ts";
import {
  compositeChecksum,
  fullObjectChecksum,
  isCombinable,
  isMd5Hex,
  multipartETag,
} from "../../backends/checksum.ts";
import type { JournalEntry } from "../state/parts_journal.ts";

/**
 * What the object this upload builds must show, computed from the journal alone (the part
 * checksums of the bytes actually sent, and the part ETags the server answered), so no byte
 * of the file is read twice.
 */
export interface ExpectedObject {
  size: number;
  /** The whole-object checksum the store should keep (FULL_OBJECT or COMPOSITE). */
  checksum?: ObjectChecksum;
  /** S3's multipart ETag computed from the part ETags, when they are hex MD5-like. */
  eTag?: string;
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
  const eTags = parts.map((p) => p.eTag);
  if (eTags.every(isMd5Hex)) {
    expected.eTag = multipartETag(eTags);
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
