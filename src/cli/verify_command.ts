import { createHash, type Hash } from "node:crypto";
import type { BackendLimits, ObjectInfo } from "../../backends/types.ts";
import { multipartETag } from "../checksum.ts";
import { BackendError, ExitCode, UsageError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { planParts } from "../part_plan.ts";
import { withRetry } from "../retry.ts";
import { resolveStore } from "./backend_config.ts";
import type { Command } from "./command.ts";
import { CONNECTION_OPTIONS, logLevel, OUTPUT_OPTIONS } from "./common_options.ts";
import { optionsHelp, type OptionSpec, parseFlags, required, str } from "./parse.ts";
import { formatBytes } from "./progress.ts";
import { storeError } from "./status_command.ts";
import { checkBucketName, checkKey, parseByteSize } from "./values.ts";

const MiB = 1024 * 1024;
/** Exit code for "verified different" (including: the object does not exist). */
export const EXIT_MISMATCH = 1;
/** Most part sizes verify tries when it has to guess; each costs one MD5 pass over the file. */
const MAX_CANDIDATES = 5;
/** Defaults of common tools: the seed (5,000,000), rclone 5 MiB, aws-cli 8 MiB, s3cmd 15 MiB, ours 16 MiB. */
const COMMON_PART_SIZES = [
  5_000_000,
  5 * MiB,
  8 * MiB,
  15 * MiB,
  16 * MiB,
  32 * MiB,
  64 * MiB,
  100 * MiB,
  128 * MiB,
];

const VERIFY_OPTIONS: OptionSpec[] = [
  { long: "bucket", short: "b", type: "string", value: "BUCKET", help: "The object's bucket." },
  { long: "key", short: "k", type: "string", value: "KEY", help: "The object's key." },
  { long: "file-path", short: "f", type: "string", value: "FILE", help: "The local file." },
  {
    long: "split-size",
    short: "s",
    type: "string",
    value: "BYTES",
    help:
      "The part size the object was uploaded with (16MiB, 8388608, ...). Default: worked out from the object's part count, trying s3mpu's own choice and the usual tool defaults.",
  },
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
];

const VERIFY_HELP = `Usage:
  s3mpu verify -b BUCKET -k KEY -f FILE [-s BYTES] [options]
  s3mpu verify FILE s3://BUCKET/KEY [-s BYTES] [options]   # KEY ending in / adds FILE's name

Checks that an object on the store holds the same bytes as a local file, without
downloading it: HeadObject gives its size and ETag. A different size is a mismatch at once.
A single-part object's ETag is compared with the file's MD5; a multipart object's ETag
("<md5>-N") with the one computed locally from the MD5 of each part, which needs the part
size: -s, or else verify tries the sizes that give N parts (s3mpu's default, the exact and
MiB-rounded size/N, common tool defaults). The file is read once, in bounded chunks, however
many sizes are tried.

Where the provider preset says ETags are not MD5s (e.g. R2, B2, GCS, generic), a computed
ETag that differs proves nothing, so verify falls back to checking the size and that the
part count fits, and says the check is weaker. Objects encrypted with SSE-KMS or SSE-C have
no MD5 ETag either: a mismatch there means "cannot verify", not "corrupt".

Options:
${optionsHelp(VERIFY_OPTIONS)}

Output: one line on stdout ("Match: ..." or "Mismatch: ..."); with --json, one object
(match, strength "strong" | "weak", method, size, objectSize, eTag, expectedETag, partSize,
parts, triedPartSizes, message).

Exit codes: 0 the same bytes (or, weaker, the same size and part count) · 1 verified
different (or the object does not exist) · 2 bad usage · 3 the server could not be asked.

Examples:
  s3mpu verify -b my-bucket -k backups/db.tar -f db.tar
  s3mpu verify -b my-bucket -k data/input.txt -f input.txt -s 64MiB --json
`;

/** What verify concluded. */
export interface Verdict {
  match: boolean;
  strength: "strong" | "weak";
  method: "md5" | "multipart-etag" | "size-and-part-count" | "size" | "exists";
  expectedETag: string | null;
  partSize: number | null;
  triedPartSizes: number[];
  message: string;
}

/** `s3mpu verify`. */
export const verifyCommand: Command = {
  name: "verify",
  summary: "check that an object holds the same bytes as a local file (ETag/MD5, no download)",
  help: () => VERIFY_HELP,
  run: async (args) => {
    const flags = parseFlags("verify", VERIFY_OPTIONS, args);
    if (flags.help) return "help";
    const logger = createLogger(logLevel(flags));
    const bucket = required(flags, "bucket", "b", "the object's bucket");
    checkBucketName(bucket);
    const key = required(flags, "key", "k", "the object's key");
    checkKey(key);
    const file = required(flags, "file-path", "f", "the local file to compare with");
    const splitText = str(flags, "split-size");
    const requested = splitText === undefined
      ? undefined
      : parseByteSize("-s/--split-size", splitText);
    const size = await localSize(file);
    const store = await resolveStore(flags, { parallelism: 1, logger });
    const signal = new AbortController().signal;
    let object: ObjectInfo | undefined;
    try {
      object = await withRetry(() => store.backend.headObject({ bucket, key }, signal), {
        policy: store.retry,
        signal,
      });
    } catch (error) {
      if (!(error instanceof BackendError && error.kind === "not_found")) {
        throw storeError(error, `read the metadata of s3://${bucket}/${key}`);
      }
    } finally {
      store.backend.close();
    }
    const where = `s3://${bucket}/${key}`;
    const verdict = object === undefined ? missing(where) : await compare({
      file,
      size,
      object,
      where,
      requested,
      limits: store.preset.limits,
      etagIsMd5: store.preset.etagIsMd5,
      providerName: store.preset.name,
      log: (m) => logger.info(m),
    });
    if (flags.json !== true) console.log(verdict.message);
    return {
      exitCode: verdict.match ? ExitCode.ok : EXIT_MISMATCH,
      json: {
        bucket,
        key,
        file,
        ...verdict,
        size,
        objectSize: object?.size ?? null,
        eTag: object?.eTag ?? null,
        parts: object ? etagParts(object.eTag) : null,
        provider: store.preset.name,
      },
    };
  },
};

async function localSize(path: string): Promise<number> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}; check -f.`);
  }
  if (!info.isFile) throw new UsageError(`${path} is not a regular file; check -f.`);
  return info.size;
}

function missing(where: string): Verdict {
  return {
    match: false,
    strength: "strong",
    method: "exists",
    expectedETag: null,
    partSize: null,
    triedPartSizes: [],
    message: `Mismatch: ${where} does not exist.`,
  };
}

/** The part count of a multipart ETag (`…-N`); 1 for a plain MD5; null when opaque. */
export function etagParts(eTag: string): number | null {
  const multi = /^[0-9a-f]{32}-(\d+)$/i.exec(eTag);
  if (multi) return Number(multi[1]);
  return /^[0-9a-f]{32}$/i.test(eTag) ? 1 : null;
}

/**
 * Compares the file with the object's size and ETag; see the command's help for the rules.
 * Exported for tests, which give it a file and an object description directly.
 */
export async function compare(opts: {
  file: string;
  size: number;
  object: ObjectInfo;
  where: string;
  requested?: number;
  limits: BackendLimits;
  etagIsMd5: boolean;
  providerName: string;
  log?: (message: string) => void;
}): Promise<Verdict> {
  const { object, size, where, file } = opts;
  const base = { expectedETag: null, partSize: null, triedPartSizes: [] as number[] };
  if (object.size !== size) {
    return {
      ...base,
      match: false,
      strength: "strong",
      method: "size",
      message:
        `Mismatch: ${where} is ${object.size} bytes, ${file} is ${size} bytes (ETag ${object.eTag}).`,
    };
  }
  const multi = /^([0-9a-f]{32})-(\d+)$/i.exec(object.eTag);
  const single = /^[0-9a-f]{32}$/i.test(object.eTag);
  const eTag = object.eTag.toLowerCase();
  let tried: number[] = [];
  let expected: string | undefined;
  let matchedSize: number | undefined;
  if (single) {
    const [[md5]] = await partMd5s(file, [Math.max(size, 1)]);
    expected = md5 ?? emptyMd5();
    if (expected === eTag) {
      return {
        ...base,
        match: true,
        strength: "strong",
        method: "md5",
        expectedETag: expected,
        message: `Match: ${where} has the MD5 of ${file} (${expected}, ${size} bytes).`,
      };
    }
  } else if (multi) {
    const parts = Number(multi[2]);
    tried = candidatePartSizes(size, parts, opts.limits, opts.requested);
    if (opts.requested !== undefined && !tried.includes(opts.requested)) {
      opts.log?.(
        `-s ${opts.requested} splits ${size} bytes into ${
          Math.ceil(size / opts.requested)
        } parts, but the object has ${parts}; trying part sizes that give ${parts}.`,
      );
    }
    if (tried.length > 0) {
      opts.log?.(
        `Computing the multipart ETag of ${file} for part size(s) ${tried.join(", ")}.`,
      );
      const md5s = await partMd5s(file, tried);
      const eTags = md5s.map((list) => multipartETag(list));
      const hit = eTags.findIndex((e) => e === eTag);
      if (hit >= 0) {
        return {
          ...base,
          match: true,
          strength: "strong",
          method: "multipart-etag",
          expectedETag: eTags[hit],
          partSize: tried[hit],
          triedPartSizes: tried,
          message: `Match: ${where} has the multipart ETag of ${file} with ${
            formatBytes(tried[hit])
          } parts (${eTags[hit]}, ${size} bytes).`,
        };
      }
      matchedSize = tried.length === 1 ? tried[0] : undefined;
      expected = eTags.length === 1 ? eTags[0] : undefined;
    }
  }
  const countOk = fitsPartCount(size, etagParts(object.eTag), opts.limits);
  if (!opts.etagIsMd5 || (!single && !multi)) {
    const why = !opts.etagIsMd5
      ? `the ${opts.providerName} provider preset says the store's ETags are not MD5s`
      : `the ETag ${object.eTag} is not an MD5`;
    return {
      ...base,
      match: countOk,
      strength: "weak",
      method: multi ? "size-and-part-count" : "size",
      expectedETag: expected ?? null,
      partSize: matchedSize ?? null,
      triedPartSizes: tried,
      message: countOk
        ? `Match (weaker check): ${where} has the size of ${file} (${size} bytes)${
          multi ? ` and a fitting part count (${multi[2]})` : ""
        }; ${why}, so the content could not be compared.`
        : `Mismatch: ${where} has ${
          multi?.[2]
        } parts, which cannot hold ${size} bytes within the store's part limits.`,
    };
  }
  const sizes = tried.map((n) => formatBytes(n)).join(", ");
  const detail = single
    ? `its MD5 ETag ${eTag} differs from the file's ${expected}`
    : tried.length === 0
    ? `no part size within the store's limits splits ${size} bytes into ${multi![2]} parts`
    : tried.length === 1
    ? `its ETag ${eTag} differs from the file's ${expected} with ${sizes} parts`
    : `its ETag ${eTag} matches none computed from the file with part sizes ${sizes}`;
  const hint = !single && opts.requested === undefined && tried.length > 0
    ? " If it was uploaded with another part size, pass that with -s."
    : "";
  return {
    ...base,
    match: false,
    strength: "strong",
    method: single ? "md5" : "multipart-etag",
    expectedETag: expected ?? null,
    partSize: matchedSize ?? null,
    triedPartSizes: tried,
    message:
      `Mismatch: ${where} is not ${file}: ${detail}.${hint} (SSE-KMS and SSE-C objects have no MD5 ETag, so they never match.)`,
  };
}

/**
 * Part sizes that split `size` bytes into exactly `parts` parts: the requested one alone
 * when it fits; else, most likely first, s3mpu's planner default, size/parts rounded up to
 * a MiB, the exact size/parts, then common tool defaults. At most {@link MAX_CANDIDATES}.
 */
export function candidatePartSizes(
  size: number,
  parts: number,
  limits: BackendLimits,
  requested?: number,
): number[] {
  const fits = (ps: number) => Number.isSafeInteger(ps) && ps > 0 && Math.ceil(size / ps) === parts;
  if (parts === 1) return [Math.max(size, 1)]; // any size ≥ the file gives the same one part
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

/** Whether some part size within `limits` splits `size` bytes into `parts` parts. */
function fitsPartCount(size: number, parts: number | null, limits: BackendLimits): boolean {
  if (parts === null || parts === 1) return true;
  if (parts > limits.maxParts) return false;
  const smallest = Math.ceil(size / parts);
  // The biggest part size that still gives `parts` parts is just under size / (parts - 1).
  const largest = Math.ceil(size / (parts - 1)) - 1;
  return smallest <= limits.maxPartSize && largest >= Math.min(limits.minPartSize, smallest);
}

/**
 * Hex MD5s of the parts of `path` for each part size, reading the file once in blocks of
 * `blockSize` bytes (memory stays bounded whatever the part sizes).
 */
export async function partMd5s(
  path: string,
  partSizes: number[],
  blockSize = 8 * MiB,
): Promise<string[][]> {
  const states = partSizes.map((partSize) => ({
    partSize,
    hash: undefined as Hash | undefined,
    filled: 0,
    md5s: [] as string[],
  }));
  const file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(blockSize);
  try {
    for (;;) {
      const n = await file.read(buffer);
      if (n === null) break;
      const block = buffer.subarray(0, n);
      for (const s of states) {
        let at = 0;
        while (at < block.length) {
          s.hash ??= createHash("md5");
          const take = Math.min(block.length - at, s.partSize - s.filled);
          s.hash.update(block.subarray(at, at + take));
          s.filled += take;
          at += take;
          if (s.filled === s.partSize) {
            s.md5s.push(s.hash.digest("hex"));
            s.hash = undefined;
            s.filled = 0;
          }
        }
      }
    }
  } finally {
    file.close();
  }
  for (const s of states) {
    if (s.hash) s.md5s.push(s.hash.digest("hex"));
  }
  return states.map((s) => s.md5s);
}

function emptyMd5(): string {
  return createHash("md5").digest("hex");
}
