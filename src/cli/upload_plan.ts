/**
 * `s3mpu upload`'s flags read once into one typed {@link UploadPlan}: the object, the source
 * (opened), where its state goes (checked by the state path rules), how parts are sent, and
 * the object options. Everything here is checked before anything is created or sent; the
 * rest of the upload works from the plan, never from the flags.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import type { ChecksumAlgorithm, ChecksumType } from "../../backends/types.ts";
import { PRESETS, type ProviderPreset } from "../../backends/presets.ts";
import { isCombinable } from "../../backends/checksum.ts";
import { MAX_RATE, MIN_RATE, TokenBucket } from "../../backends/rate_limit.ts";
import { UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { DEFAULT_PART_SIZE } from "../plan/part_plan.ts";
import { openChunkDirSource, openFileSource, type PartSource } from "../plan/part_source.ts";
import { streamStatePaths, uploadStatePaths } from "../state/state_location.ts";
import { streamEndpoint } from "./state_options.ts";
import { isStreamPath, openStreamSource } from "../plan/stream_source.ts";
import { checkStatePaths, type StatePaths } from "../state/state_paths.ts";
import {
  bucketOption,
  CONNECTION_OPTIONS,
  dirOption,
  fileOption,
  keyOption,
  OUTPUT_OPTIONS,
  prefixOption,
  requiredBucket,
  requiredKey,
} from "./common_options.ts";
import {
  OBJECT_OPTION_SPECS,
  objectOptionsFromFlags,
  type ParsedObjectFlags,
} from "./object_flags.ts";
import { type Flags, type OptionSpec, str } from "./parse.ts";
import { TREE_ONLY, TREE_OPTIONS } from "./tree_options.ts";
import {
  OBJECT_SIZE_BOUNDS,
  parseByteSize,
  parseIntIn,
  parseRate,
  SIZE_UNITS_HELP,
} from "./values.ts";
import { sourceFlags } from "./source_flags.ts";
import { presetPhrase } from "./backend_config.ts";

const DEFAULT_THREADS = 4;
const MAX_THREADS = 64;

/** Every option of `s3mpu upload`, in the order its --help lists them. */
export const UPLOAD_OPTIONS: OptionSpec[] = [
  bucketOption("S3 bucket."),
  keyOption("Object key, including the file name."),
  fileOption(
    "The file to upload; - for standard input, or a FIFO or <(command): read once as a stream (docs/pipes.md).",
  ),
  dirOption(
    "Instead of -f: a directory of pre-split chunk files uploaded as the parts of one object. Chunks are named PREFIX followed by digits only, in the order of that number (name_2 before name_10); any other file starting with PREFIX is an error. All chunks but the last must be the same size and at least the store's minimum part size (5 MiB on S3); a single chunk may be smaller. -s is not needed: if given it must equal the chunk size.",
  ),
  prefixOption("With -d: the chunk files' name prefix, e.g. input_data_."),
  {
    long: "meta-file-path",
    short: "m",
    type: "string",
    value: "META_FILE",
    help: "Where the upload's state is kept (JSON). Default: FILE.s3mpu-meta.json beside the file.",
  },
  {
    long: "parts-file-path",
    short: "a",
    type: "string",
    value: "PARTS_FILE",
    help:
      "Where finished parts are journaled (JSON Lines). Default: FILE.s3mpu-parts.jsonl beside the file.",
  },
  {
    long: "thread-count",
    short: "t",
    type: "string",
    value: "N",
    help:
      `Parts sent in parallel, 1 to ${MAX_THREADS} (default ${DEFAULT_THREADS}). Parts are streamed from the file, so memory does not grow with the split size.`,
  },
  {
    long: "split-size",
    short: "s",
    type: "string",
    value: "BYTES",
    help:
      `Part size in bytes, or with a unit: 16MiB, 64MB, 1GiB (${SIZE_UNITS_HELP}): the store's range, 5 MiB to 5 GiB on S3, and at most 10,000 parts. Default ${DEFAULT_PART_SIZE} (16 MiB), grown automatically to stay within 10,000 parts. The seed's 5000000 is too small.`,
  },
  {
    long: "expected-size",
    type: "string",
    value: "BYTES",
    help:
      "For a stream (-): about how large it will be, to choose its part size (as aws-cli's). Without it parts start at 16 MiB and grow so the stream can reach the store's object limit. A stream held in memory needs at most (-t + 1) x part size.",
  },
  {
    long: "checksum-algorithm",
    type: "string",
    value: "ALG",
    help:
      "The checksum each part carries and the store verifies: crc32, crc32c, sha256 or md5 (Content-MD5). Default: the provider preset's (crc32 on AWS and MinIO, md5 elsewhere). CRC32/CRC32C also give a whole-object checksum where the store keeps one (FULL_OBJECT). Recorded in the meta file; a resume keeps the recorded one.",
  },
  {
    long: "restart",
    type: "boolean",
    help:
      "Abort the upload recorded in the state files (on the store it was begun on) and start over. The state files must be this upload's: a file that is not s3mpu state is never overwritten.",
  },
  {
    long: "no-read-back",
    type: "boolean",
    help:
      'Where the store keeps no value of its own that proves the object (no checksum, ETags not MD5s: the generic, b2, gcs... presets), do not read it back: finish with exit 0 and the result saying it is NOT proved (proof "none"). Otherwise it is read back, one ranged GET per part.',
  },
  {
    long: "no-progress",
    type: "boolean",
    help:
      "Show no progress. Otherwise a live bar is drawn when stderr is a terminal, and a plain progress line is logged every 10 s (and at 100%) when it is not. --quiet also turns it off.",
  },
  {
    long: "limit-rate",
    type: "string",
    value: "RATE",
    help:
      "Send at most RATE bytes per second in total, such as 20MiB or 500KB (powers of 1,024; /s optional). Shared by all -t workers, smooth within each part; each worker then gets about RATE/N.",
  },
  {
    long: "state-dir",
    type: "string",
    value: "DIR",
    help:
      "Keep the state files in DIR instead of beside the file; DIR is created (0700) if only its last part is missing. Default: $S3MPU_STATE_DIR; when the file's directory is not writable, $XDG_STATE_HOME/s3mpu (~/.local/state/s3mpu). -m/-a win.",
  },
  ...TREE_OPTIONS,
  ...OBJECT_OPTION_SPECS,
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
];

/** What one `s3mpu upload` asks for, checked. */
export interface UploadPlan {
  bucket: string;
  key: string;
  /** Parts in flight at once (-t). */
  threads: number;
  /** -s, if given. */
  requestedPartSize?: number;
  /** --expected-size, for a stream. */
  expectedSize?: number;
  /** --checksum-algorithm as given (checked against the store's preset by {@link checksumChoice}). */
  checksumFlag?: string;
  /** --restart. */
  restart: boolean;
  /** Not --no-read-back: read an object back where nothing the store keeps proves it. */
  readBack: boolean;
  /** The file or chunk directory, opened and checked. */
  source: PartSource;
  /** The state files, placed (-m/-a, --state-dir, beside the source) and checked. */
  state: StatePaths & { defaulted: boolean };
  /** The object options, the request options (SSE-C key...) and their record for the meta file. */
  objectFlags: ParsedObjectFlags;
  /** --limit-rate as the token bucket all parts draw from. */
  rate?: TokenBucket;
  /** Whether part bytes can be counted as they leave (the default transport streams them). */
  streamsBodies: boolean;
}

/**
 * Reads and checks the flags of `s3mpu upload`, in the order a user fixes them: the object,
 * the sending options, the object options, the source, then the state files. `note` prints
 * where the state goes when the source's directory is not writable.
 */
export async function readUploadPlan(flags: Flags, note: Logger["info"]): Promise<UploadPlan> {
  const treeFlag = TREE_ONLY.find((name) => flags[name] !== undefined && flags[name] !== false);
  if (treeFlag !== undefined && treeFlag !== "recursive") {
    throw new UsageError(
      `--${treeFlag} applies to a directory upload (s3mpu upload DIR s3://BUCKET/PREFIX/), not to one file.`,
    );
  }
  const bucket = requiredBucket(flags, "the bucket to upload to");
  const key = requiredKey(flags, "the object key to write");
  const threads = parseIntIn(
    "-t/--thread-count",
    str(flags, "thread-count") ?? `${DEFAULT_THREADS}`,
    1,
    MAX_THREADS,
  );
  const splitText = str(flags, "split-size");
  const requestedPartSize = splitText === undefined
    ? undefined
    : parseByteSize("-s/--split-size", splitText, {
      ...OBJECT_SIZE_BOUNDS,
      rangeText: "a part size within the store's part range (5 MiB to 5 GiB on S3)",
    });
  const expectedText = str(flags, "expected-size");
  const expectedSize = expectedText === undefined
    ? undefined
    : parseByteSize("--expected-size", expectedText, OBJECT_SIZE_BOUNDS);
  const named = str(flags, "file-path");
  const objectFlags = await objectOptionsFromFlags(flags, named && named !== "-" ? named : key);
  const rateText = str(flags, "limit-rate");
  const rate = rateText === undefined
    ? undefined
    : parseRate("--limit-rate", rateText, { minBytes: MIN_RATE, maxBytes: MAX_RATE });
  // fetch drops Content-Length on a streamed body (docs/performance-streaming.md): with it,
  // parts go whole, so neither a rate limit nor byte counting can act as they leave.
  const streamsBodies = Deno.env.get("S3MPU_HTTP_HANDLER") !== "fetch";
  if (rate !== undefined && !streamsBodies) {
    throw new UsageError(
      "--limit-rate needs the default node:http transport; unset S3MPU_HTTP_HANDLER=fetch.",
    );
  }
  const opened = await openSource(flags);
  if (expectedSize !== undefined && opened.source.fingerprint.kind !== "stream") {
    throw new UsageError(
      "--expected-size is for a stream (-f -, a FIFO or <(…)); omit it for files.",
    );
  }
  const place = {
    metaPath: str(flags, "meta-file-path"),
    partsPath: str(flags, "parts-file-path"),
    stateDir: str(flags, "state-dir"),
  };
  // -m/-a, else beside the source, or in --state-dir / S3MPU_STATE_DIR / the XDG fallback;
  // a stream's always in the state directory, named from the object and the store.
  const located = opened.source.fingerprint.kind === "stream"
    ? await streamStatePaths(place, { bucket, key, endpoint: streamEndpoint(flags) }, note)
    : await uploadStatePaths(place, opened.defaultStateBase, note);
  // The state path rules (docs/state-paths.md), before anything is created or removed.
  const paths = await checkStatePaths({ ...located, sources: opened.source.files });
  return {
    bucket,
    key,
    threads,
    ...(requestedPartSize !== undefined ? { requestedPartSize } : {}),
    ...(expectedSize !== undefined ? { expectedSize } : {}),
    ...(str(flags, "checksum-algorithm") !== undefined
      ? { checksumFlag: str(flags, "checksum-algorithm") }
      : {}),
    restart: flags.restart === true,
    readBack: flags["no-read-back"] !== true,
    source: opened.source,
    state: { ...paths, defaulted: located.defaulted },
    objectFlags,
    ...(rate !== undefined ? { rate: new TokenBucket(rate) } : {}),
    streamsBodies,
  };
}

const CHOOSABLE: readonly ChecksumAlgorithm[] = ["crc32", "crc32c", "sha256", "md5"];

/**
 * The per-part checksum (and whether the store keeps a FULL_OBJECT checksum from it):
 * --checksum-algorithm, else the preset's. Flexible checksums only where the preset says the
 * store accepts their headers.
 */
export function checksumChoice(
  flag: string | undefined,
  preset: ProviderPreset,
): { checksumAlgorithm: ChecksumAlgorithm; checksumType?: ChecksumType; checksumChosen: boolean } {
  const wanted = (flag ?? preset.checksum.partChecksum).toLowerCase() as ChecksumAlgorithm;
  if (flag !== undefined && !CHOOSABLE.includes(wanted)) {
    throw new UsageError(
      `--checksum-algorithm takes ${CHOOSABLE.join(", ")}; got "${flag}".`,
    );
  }
  if (flag !== undefined && wanted !== "md5" && !preset.checksum.sdkFlexibleChecksums) {
    throw new UsageError(
      `${presetPhrase(preset)} takes only --checksum-algorithm md5: ${
        // The generic preset stands for any store: some accept the headers, some do not.
        preset.name === "generic"
          ? "not every store accepts x-amz-checksum-* headers"
          : "that store does not accept x-amz-checksum-* headers"}. Use md5, or the --provider of a store that accepts them (${
        PRESETS.filter((p) => p.checksum.sdkFlexibleChecksums).map((p) => p.name).join(", ")
      }).`,
    );
  }
  const fullObject = preset.checksum.fullObjectChecksum && isCombinable(wanted);
  return {
    checksumAlgorithm: wanted,
    ...(fullObject ? { checksumType: "FULL_OBJECT" as const } : {}),
    checksumChosen: flag !== undefined,
  };
}

async function openSource(flags: Flags): Promise<{ source: PartSource; defaultStateBase: string }> {
  const given = sourceFlags(flags);
  if (given?.kind === "chunks") {
    const { dir, prefix } = given;
    return {
      source: await openChunkDirSource(dir, prefix),
      defaultStateBase: join(dirname(dir), `${basename(dir)}-${prefix}`),
    };
  }
  if (given === undefined) {
    throw new UsageError(
      "Missing -f/--file-path: the file to upload (or -d DIR -p PREFIX for chunks).",
    );
  }
  if (isStreamPath(given.file)) {
    return { source: await openStreamSource(given.file), defaultStateBase: "" };
  }
  return { source: await openFileSource(given.file), defaultStateBase: given.file };
}
