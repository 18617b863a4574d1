import type {
  Backend,
  BackendLimits,
  ObjectChecksum,
  ObjectInfo,
  ObjectRef,
} from "../../backends/types.ts";
import { checksumHasher, compositeChecksum, multipartETag } from "../../backends/checksum.ts";
import { sameChecksum } from "../transfer/object_proof.ts";
import { BackendError, UsageError } from "../errors.ts";
import { fileDigest, partDigests, type PartLayout } from "./file_digests.ts";
import { planParts } from "../plan/part_plan.ts";
import type { PartSource } from "../plan/part_source.ts";
import { MiB } from "../../backends/units.ts";

/** Most part sizes tried when the store does not say them; each costs a digest pass. */
const MAX_CANDIDATES = 5;
/** Defaults of common tools: the seed, rclone 5 MiB, aws-cli 8 MiB, s3cmd 15 MiB, ours 16 MiB. */
const COMMON_PART_SIZES = [5_000_000, 5 * MiB, 8 * MiB, 15 * MiB, 16 * MiB, 32 * MiB, 64 * MiB];

/** What `verify` found: proved the same, proved different, or not decidable without reading. */
export interface Verdict {
  result: "same" | "different" | "undecided";
  method:
    | "exists"
    | "size"
    | "full-object-checksum"
    | "composite-checksum"
    | "md5"
    | "multipart-etag"
    | "sha256-download"
    | "none";
  /** What the object's stored value is, and what the file gives, when compared. */
  stored: string | null;
  computed: string | null;
  /** The part size the comparison used, when it needed one. */
  partSize: number | null;
  message: string;
}

/** Where and what to verify. */
export interface VerifyRequest {
  backend: Backend;
  ref: ObjectRef;
  /**
   * The local bytes: a file, or a chunk directory whose chunks in order are the object. Every
   * read is proved to be of the source as opened (see part_source.ts).
   */
  source: PartSource;
  /** How messages name the source: the file's path, or the chunks' `DIR/PREFIX*`. */
  file: string;
  /** `-s`: the part size the object was uploaded with, if the user knows it. */
  requestedPartSize?: number;
  limits: BackendLimits;
  /** Whether the preset says ETags are MD5s (so a differing MD5 ETag means other bytes). */
  etagIsMd5: boolean;
  /** Aborts on Ctrl-C; the backend retries by itself (see retrying_backend.ts). */
  signal: AbortSignal;
  log?: (message: string) => void;
  onBytes?: (n: number) => void;
}

/**
 * Compares a local file with a stored object without downloading it, and says "same" only
 * when a content value proves it: the stored full-object or composite checksum, or an MD5
 * ETag computed from the file. "different" needs a proof too (size, a checksum, or an MD5
 * ETag on a store whose ETags are MD5s). Anything else is "undecided": the caller offers
 * {@link verifyByDownload}.
 */
export async function verifyObject(req: VerifyRequest): Promise<Verdict> {
  const where = `s3://${req.ref.bucket}/${req.ref.key}`;
  const object = await head(req);
  if (!object) return verdict("different", "exists", `${where} does not exist.`);
  if (object.size !== sizeOf(req)) {
    return verdict(
      "different",
      "size",
      `${where} is ${object.size} bytes, ${req.file} is ${sizeOf(req)} bytes.`,
    );
  }
  const byChecksum = await compareChecksum(req, object, where);
  if (byChecksum) return byChecksum;
  const byETag = await compareETag(req, object, where);
  if (byETag) return byETag;
  return verdict(
    "undecided",
    "none",
    `Cannot tell whether ${where} holds the bytes of ${req.file}: it has the same size but no stored checksum that proves the content, and its ETag is not ${
      object.encryption
        ? `an MD5 (${object.encryption})`
        : req.etagIsMd5
        ? "one computed from these bytes"
        : "promised to be an MD5 by the preset"
    }. Run again with --download to compare every byte.`,
  );
}

/** Streams the object and compares its SHA-256 with the file's: exact either way. */
export async function verifyByDownload(req: VerifyRequest): Promise<Verdict> {
  const where = `s3://${req.ref.bucket}/${req.ref.key}`;
  const object = await head(req);
  if (!object) return verdict("different", "exists", `${where} does not exist.`);
  if (!req.backend.readObject) throw new Error(`${req.backend.name} cannot read objects.`);
  const stream = await req.backend.readObject(req.ref, req.signal);
  const remote = checksumHasher("sha256");
  let remoteSize = 0;
  for await (const chunk of stream) {
    remote.update(chunk);
    remoteSize += chunk.length;
    req.onBytes?.(chunk.length);
  }
  const local = await fileDigest(req.source, "sha256");
  const stored = remote.hex();
  const computed = base64ToHex(local);
  const same = stored === computed && remoteSize === sizeOf(req);
  return {
    result: same ? "same" : "different",
    method: "sha256-download",
    stored,
    computed,
    partSize: null,
    message: same
      ? `Match: ${where} has the SHA-256 of ${req.file} (${computed}, ${
        sizeOf(req)
      } bytes, read in full).`
      : `Mismatch: ${where} (SHA-256 ${stored}, ${remoteSize} bytes) is not ${req.file} (SHA-256 ${computed}, ${
        sizeOf(req)
      } bytes).`,
  };
}

async function compareChecksum(
  req: VerifyRequest,
  object: ObjectInfo,
  where: string,
): Promise<Verdict | undefined> {
  const stored = object.checksum;
  if (!stored) return undefined;
  if (stored.type !== "FULL_OBJECT") return await compareComposite(req, object, stored, where);
  const name = stored.algorithm.toUpperCase();
  req.log?.(`Computing the ${name} of ${req.file}.`);
  let computed = await fileDigest(req.source, stored.algorithm, req.onBytes);
  if (computed !== stored.value && stored.algorithm === "crc32c") {
    // moto keeps the whole object's CRC32 under CRC32C's name.
    const crc32 = await fileDigest(req.source, "crc32", req.onBytes);
    if (crc32 === stored.value) computed = crc32;
  }
  if (computed !== stored.value && stored.typeGuessed) {
    // The store named no type: the value may be a composite one without its -N (moto).
    const composite = await compareComposite(req, object, stored, where);
    return composite?.result === "same" ? composite : undefined;
  }
  return compared(computed === stored.value, "full-object-checksum", stored.value, computed, {
    same: `Match: ${where} has the full-object ${name} of ${req.file} (${computed}).`,
    different: `Mismatch: ${where} has the ${name} ${stored.value}, ${req.file} has ${computed}.`,
  });
}

async function compareComposite(
  req: VerifyRequest,
  object: ObjectInfo,
  stored: ObjectChecksum,
  where: string,
): Promise<Verdict | undefined> {
  const name = stored.algorithm.toUpperCase();
  // The part count from the value's -N, else from the ETag's (moto leaves the value's off).
  const parts = Number(
    /-(\d+)$/.exec(stored.value)?.[1] ?? /-(\d+)$/.exec(object.eTag)?.[1] ?? "0",
  );
  const known = await partSizes(req);
  const layouts = known ? [{ sizes: known }] : guessedLayouts(req, parts);
  if (layouts.length === 0) return undefined;
  req.log?.(`Computing the composite ${name} of ${req.file} for ${describe(layouts)}.`);
  const digests = await partDigests(req.source, stored.algorithm, layouts, {
    onBytes: req.onBytes,
  });
  const values = digests.map((d) => compositeChecksum(stored.algorithm, d));
  const hit = values.findIndex((value) => sameChecksum(stored.value, value));
  if (hit >= 0) {
    return {
      ...compared(true, "composite-checksum", stored.value, values[hit], {
        same: `Match: ${where} has the composite ${name} of ${req.file} (${values[hit]}).`,
        different: "",
      }),
      partSize: layoutSize(layouts[hit]),
    };
  }
  // With the part sizes from the store the comparison is exact; guessed ones prove nothing.
  if (!known) return undefined;
  return compared(false, "composite-checksum", stored.value, values[0], {
    same: "",
    different: `Mismatch: ${where} has the composite ${name} ${stored.value}, ${req.file} gives ${
      values[0]
    } with the same part sizes.`,
  });
}

async function compareETag(
  req: VerifyRequest,
  object: ObjectInfo,
  where: string,
): Promise<Verdict | undefined> {
  const eTag = object.eTag.toLowerCase();
  const multi = /^([0-9a-f]{32})-(\d+)$/.exec(eTag);
  const single = /^[0-9a-f]{32}$/.test(eTag);
  // Proves anything only where the preset says ETags are MD5s the store computes and no
  // encryption changed them: elsewhere an ETag may echo the Content-MD5 an uploader sent, so
  // even a match says nothing about the stored bytes.
  if ((!multi && !single) || !req.etagIsMd5 || object.encryption) return undefined;
  if (single) {
    req.log?.(`Computing the MD5 of ${req.file}.`);
    const md5 = await fileDigest(req.source, "md5", req.onBytes);
    return compared(md5 === eTag, "md5", eTag, md5, {
      same: `Match: ${where} has the MD5 of ${req.file} (${md5}).`,
      different: `Mismatch: ${where} has the MD5 ETag ${eTag}, ${req.file} has ${md5}.`,
    });
  }
  const parts = Number(multi![2]);
  const known = await partSizes(req);
  const layouts = known && known.length === parts ? [{ sizes: known }] : guessedLayouts(req, parts);
  if (layouts.length === 0) return undefined;
  req.log?.(`Computing the multipart ETag of ${req.file} for ${describe(layouts)}.`);
  const md5s = await partDigests(req.source, "md5", layouts, { onBytes: req.onBytes });
  const eTags = md5s.map((list) => multipartETag(list));
  const hit = eTags.indexOf(eTag);
  if (hit >= 0) {
    return {
      ...compared(true, "multipart-etag", eTag, eTags[hit], {
        same: `Match: ${where} has the multipart ETag of ${req.file} (${eTags[hit]}).`,
        different: "",
      }),
      partSize: layoutSize(layouts[hit]),
    };
  }
  // Only exact part sizes (from the store, or -s) make a differing ETag a proof.
  const exact = known !== undefined || req.requestedPartSize !== undefined;
  if (!exact) return undefined;
  return {
    ...compared(false, "multipart-etag", eTag, eTags[0], {
      same: "",
      different: `Mismatch: ${where} has the ETag ${eTag}, ${req.file} gives ${
        eTags[0]
      } with the same part sizes.`,
    }),
    partSize: layoutSize(layouts[0]),
  };
}

async function head(req: VerifyRequest): Promise<ObjectInfo | undefined> {
  if (!req.backend.headObject) {
    throw new UsageError(`The ${req.backend.name} store cannot describe objects; verify needs it.`);
  }
  try {
    return await req.backend.headObject(req.ref, req.signal);
  } catch (error) {
    if (error instanceof BackendError && error.kind === "not_found") return undefined;
    throw error;
  }
}

/** The object's part sizes from the store (GetObjectAttributes), if it says them. */
async function partSizes(req: VerifyRequest): Promise<number[] | undefined> {
  if (!req.backend.objectPartSizes) return undefined;
  const sizes = await req.backend.objectPartSizes(req.ref, req.signal);
  return sizes && sizes.reduce((n, s) => n + s, 0) === sizeOf(req) ? sizes : undefined;
}

function sizeOf(req: VerifyRequest): number {
  return req.source.fingerprint.size;
}

/**
 * Part layouts to try when the store does not say the part sizes: `-s` alone when given;
 * else for a chunk directory its chunk sizes first (s3mpu uploads one chunk as one part),
 * then sizes that give `parts` parts. A match proves the bytes; a difference with a guessed
 * layout proves nothing (the object may have been uploaded otherwise).
 */
function guessedLayouts(req: VerifyRequest, parts: number): PartLayout[] {
  const chunks = req.source.chunkSizes;
  const byChunk: PartLayout[] =
    chunks && chunks.length === parts && req.requestedPartSize === undefined
      ? [{ sizes: [...chunks] }]
      : [];
  const guesses = candidatePartSizes(sizeOf(req), parts, req.limits, req.requestedPartSize)
    .map((partSize) => ({ partSize }));
  return [...byChunk, ...guesses].slice(0, MAX_CANDIDATES);
}

/**
 * Part sizes that split `size` bytes into exactly `parts` parts: the requested one alone when
 * it fits; else s3mpu's planner default, size/parts rounded up to a MiB, the exact size/parts,
 * then common tool defaults. At most {@link MAX_CANDIDATES}.
 */
export function candidatePartSizes(
  size: number,
  parts: number,
  limits: BackendLimits,
  requested?: number,
): number[] {
  const fits = (ps: number) => Number.isSafeInteger(ps) && ps > 0 && Math.ceil(size / ps) === parts;
  if (parts === 1) return [Math.max(size, 1)];
  if (requested !== undefined && fits(requested)) return [requested];
  const exact = Math.ceil(size / parts);
  const list: number[] = [];
  try {
    list.push(planParts({ fileSize: size, limits }).partSize);
  } catch {
    // the planner refuses this size; other candidates remain
  }
  list.push(Math.ceil(exact / MiB) * MiB, exact, Math.ceil(exact / 1_000_000) * 1_000_000);
  list.push(...COMMON_PART_SIZES);
  return [...new Set(list.filter(fits))].slice(0, MAX_CANDIDATES);
}

function compared(
  same: boolean,
  method: Verdict["method"],
  stored: string,
  computed: string,
  messages: { same: string; different: string },
): Verdict {
  return {
    result: same ? "same" : "different",
    method,
    stored,
    computed,
    partSize: null,
    message: same ? messages.same : messages.different,
  };
}

function verdict(result: Verdict["result"], method: Verdict["method"], message: string): Verdict {
  const prefix = result === "same" ? "Match" : result === "different" ? "Mismatch" : "Undecided";
  return {
    result,
    method,
    stored: null,
    computed: null,
    partSize: null,
    message: `${prefix}: ${message}`,
  };
}

function layoutSize(layout: PartLayout): number {
  return "partSize" in layout ? layout.partSize : layout.sizes[0];
}

function describe(layouts: PartLayout[]): string {
  return layouts.map((l) =>
    "partSize" in l ? `${l.partSize}-byte parts` : "the chunk or stored part sizes"
  )
    .join(", ");
}

function base64ToHex(value: string): string {
  return [...atob(value)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}
