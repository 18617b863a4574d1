import type { ChecksumAlgorithm, ObjectChecksum } from "../../backends/types.ts";
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
 * What proved a stored object (the `proof` of the upload's result, docs/usage.md):
 * a checksum the store computed and keeps (FULL_OBJECT, or COMPOSITE), its MD5 ETag where
 * the preset says ETags are MD5s, the object read back, or nothing (--no-read-back).
 */
export type ProofName =
  | "full-object-crc32"
  | "full-object-crc32c"
  | "full-object-sha256"
  | "composite-checksum"
  | "multipart-etag"
  | "md5-etag"
  | "read-back"
  | "none";

/**
 * What the object this upload builds must show, computed by s3mpu from the bytes it read
 * (the journal's part checksums and CRC32s, its Content-MD5s), never from a value the store
 * answered, so no byte of the file is read twice and no proof is circular.
 */
export interface ExpectedObject {
  size: number;
  /**
   * Whole-object checksums of the bytes read: the FULL_OBJECT CRC32 combined from every
   * part's CRC32, the FULL_OBJECT value of a combinable upload checksum (CRC32C), and the
   * COMPOSITE value of a flexible one. A stored checksum of the same algorithm and type is
   * compared with it.
   */
  checksums: ObjectChecksum[];
  /**
   * S3's ETag of these bytes from the MD5s s3mpu computed (the Content-MD5 of every part,
   * md5-of-md5s-N; a single object's MD5): only when every part has one.
   */
  eTag?: string;
  /**
   * The store showed its ETags are MD5s in this upload (a part's ETag is the MD5 of the bytes
   * sent): a part whose ETag is another MD5 was damaged (see damagedParts).
   */
  eTagsShownMd5?: boolean;
}

/** The proof an object gave, or why it gave none. */
export type Proof =
  | { proved: true; by: ProofName }
  /**
   * `mismatch`: a value the store computed was compared and differs (other bytes: exit 4);
   * otherwise nothing the store reported could be compared (read the object back).
   */
  | { proved: false; mismatch: boolean; reason: string };

/** How far a store's values can be trusted: from its preset. */
export interface ProofRules {
  /** The preset says the store's ETags are MD5s (single objects, parts, md5-of-md5s-N). */
  etagIsMd5: boolean;
}

/**
 * The object this upload's parts make: its size, its checksums (combined from the journal's
 * part values without the bytes), and its multipart ETag where the parts carried Content-MD5.
 */
export function expectedObject(
  algorithm: ChecksumAlgorithm,
  parts: JournalEntry[],
  size: number,
): ExpectedObject {
  const expected: ExpectedObject = { size, checksums: [] };
  const sized = (values: (string | undefined)[]) =>
    parts.map((p, i) => ({ checksum: values[i]!, size: partSize(p) }));
  const crc32s = parts.map((p) => p.crc32 ?? (algorithm === "crc32" ? p.checksum : undefined));
  if (crc32s.every((c) => c)) {
    const value = fullObjectChecksum("crc32", sized(crc32s));
    expected.checksums.push({ algorithm: "crc32", value, type: "FULL_OBJECT" });
  }
  const sums = parts.map((p) => p.checksum);
  const flexible = algorithm !== "md5" && algorithm !== "none";
  if (flexible && sums.every((c) => c)) {
    if (isCombinable(algorithm) && algorithm !== "crc32") {
      const value = fullObjectChecksum(algorithm, sized(sums));
      expected.checksums.push({ algorithm, value, type: "FULL_OBJECT" });
    }
    const value = compositeChecksum(algorithm, sums as string[]);
    expected.checksums.push({ algorithm, value, type: "COMPOSITE" });
  }
  // The ETags the object must be made of are the MD5s of the bytes sent (Content-MD5), never
  // the ETags the store answered: a multipart ETag built from those proves nothing.
  const sentMd5s = parts.map((p) => sentMd5Hex(algorithm, p));
  if (parts.length > 0 && sentMd5s.every((m) => m !== "")) {
    expected.eTag = multipartETag(sentMd5s);
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

/** The FULL_OBJECT checksum of `algorithm` the expected object carries, if any. */
export function fullObjectOf(
  expected: ExpectedObject,
  algorithm: ChecksumAlgorithm,
): ObjectChecksum | undefined {
  return expected.checksums.find((c) => c.algorithm === algorithm && c.type === "FULL_OBJECT");
}

/**
 * Whether `found` (a HeadObject) is the object `expected` describes, by the values the store
 * computed: a stored checksum of an algorithm and type s3mpu has a value for (any difference
 * is final, whatever the ETag says), and the ETag where the preset says ETags are MD5s and no
 * encryption changed them. Size and part count alone prove nothing; an ETag the preset does
 * not promise to be an MD5 is not compared (it may echo the Content-MD5 sent).
 */
export function proveObject(
  found: { eTag: string; size?: number; checksum?: ObjectChecksum; encryption?: string },
  expected: ExpectedObject,
  rules: ProofRules,
): Proof {
  if (found.size !== undefined && found.size !== expected.size) {
    return differs(`it is ${found.size} bytes, this upload's parts make ${expected.size}`);
  }
  let by: ProofName | undefined;
  const got = found.checksum;
  if (got) {
    // Ours by value: of the same algorithm (a type the store did not name, or a composite
    // without its -N, as moto answers, matched by digest), or moto's CRC32 kept under
    // CRC32C's name: either way the store's own sum of the bytes it holds.
    const ours = expected.checksums.filter((c) => c.algorithm === got.algorithm);
    const hit = ours.find((c) => c.type === got.type && sameChecksum(got.value, c.value)) ??
      (got.typeGuessed ? ours.find((c) => sameChecksum(got.value, c.value)) : undefined) ??
      expected.checksums.find((c) => c.type === "FULL_OBJECT" && c.value === got.value);
    const want = ours.find((c) => c.type === got.type);
    if (hit) {
      by = hit.type === "FULL_OBJECT"
        ? `full-object-${hit.algorithm as "crc32" | "crc32c" | "sha256"}`
        : "composite-checksum";
    } else if (want) {
      const what = describeChecksum(got);
      return differs(`its ${what} ${got.value} differs from the ${want.value} of the bytes sent`);
    }
  }
  const eTag = found.eTag.toLowerCase();
  if (expected.eTag !== undefined && trustedETag(found, rules)) {
    if (eTag !== expected.eTag.toLowerCase()) {
      return differs(`its ETag ${found.eTag} differs from the ${expected.eTag} of the bytes sent`);
    }
    by ??= expected.eTag.includes("-") ? "multipart-etag" : "md5-etag";
  }
  if (by) return { proved: true, by };
  return {
    proved: false,
    mismatch: false,
    reason: got
      ? `the store's ${
        describeChecksum(got)
      } is not one s3mpu computed, and its ETag is not a trusted MD5`
      : "the store keeps no checksum of the object, and its ETag is not a trusted MD5",
  };
}

/** How the result and the log name a proof: "its full-object CRC32", "reading it back"... */
export function describeProof(by: ProofName): string {
  switch (by) {
    case "full-object-crc32":
    case "full-object-crc32c":
    case "full-object-sha256":
      return `its full-object ${by.slice("full-object-".length).toUpperCase()}`;
    case "composite-checksum":
      return "its composite checksum";
    case "multipart-etag":
      return "its multipart ETag";
    case "md5-etag":
      return "its MD5 ETag";
    case "read-back":
      return "reading it back";
    case "none":
      return "nothing";
  }
}

function differs(reason: string): Proof {
  return { proved: false, mismatch: true, reason };
}

function describeChecksum(checksum: ObjectChecksum): string {
  const kind = checksum.type === "FULL_OBJECT" ? "full-object" : "composite";
  return `${kind} ${checksum.algorithm.toUpperCase()}`;
}

/**
 * Equal checksums. A store may leave the `-N` part count off a COMPOSITE value (moto does):
 * the digest is what is compared, and a count on both sides must agree too.
 */
export function sameChecksum(a: string, b: string): boolean {
  if (a === b) return true;
  const [aValue, aCount] = a.split("-");
  const [bValue, bCount] = b.split("-");
  return aValue === bValue && (aCount === undefined || bCount === undefined);
}

/** An ETag the store computed as an MD5: the preset says so, and no encryption changed it. */
function trustedETag(found: { eTag: string; encryption?: string }, rules: ProofRules): boolean {
  return rules.etagIsMd5 && !found.encryption && /^[0-9a-f]{32}(-\d+)?$/i.test(found.eTag);
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
