import { basename, dirname, join } from "node:path";
import { runUpload } from "../engine/upload_engine.ts";
import type { UploadResult } from "../engine/upload_job.ts";
import { describeProof } from "../engine/object_proof.ts";
import { ExitCode, UsageError } from "../errors.ts";
import type { Command } from "./command.ts";
import { retyped } from "./as_typed.ts";
import { createLogger, type Logger } from "../log.ts";
import { DEFAULT_PART_SIZE } from "../part_plan.ts";
import { openChunkDirSource, openFileSource, type PartSource } from "../part_source.ts";
import type { ChecksumAlgorithm, ChecksumType } from "../../backends/types.ts";
import { PRESETS, type ProviderPreset } from "../../backends/presets.ts";
import { isCombinable } from "../../backends/checksum.ts";
import { presetPhrase, resolveRecordedStore, resolveStore } from "./backend_config.ts";
import { checkStatePaths } from "../state/state_paths.ts";
import {
  bucketOption,
  CONNECTION_OPTIONS,
  dirOption,
  fileOption,
  keyOption,
  logLevel,
  OUTPUT_OPTIONS,
  prefixOption,
  requiredBucket,
  requiredKey,
} from "./common_options.ts";
import { OBJECT_OPTION_SPECS } from "./object_flags.ts";
import {
  defaultStateBaseFor,
  parseUploadExtras,
  quietPartLines,
  UPLOAD_EXTRA_OPTIONS,
} from "./upload_extras.ts";
import { type Flags, optionsHelp, type OptionSpec, parseFlags, str } from "./parse.ts";
import { createProgress, type Progress, type ProgressMode, progressMode } from "./progress.ts";
import { onStopSignals } from "./stop_signals.ts";
import { sourceFlags } from "./source_flags.ts";
import { OBJECT_SIZE_BOUNDS, parseByteSize, parseIntIn, SIZE_UNITS_HELP } from "./values.ts";
import { storeForUpload } from "./store_detection.ts";

const DEFAULT_THREADS = 4;
const MAX_THREADS = 64;

const UPLOAD_OPTIONS: OptionSpec[] = [
  bucketOption("S3 bucket."),
  keyOption("Object key, including the file name."),
  fileOption("The file to upload."),
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
  // issue 13: bandwidth, state location, object options (grouped; see upload_extras.ts).
  ...UPLOAD_EXTRA_OPTIONS,
  ...OBJECT_OPTION_SPECS,
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
];

/** `s3mpu upload --help`. */
const UPLOAD_HELP = `Usage:
  s3mpu upload -b BUCKET -k KEY -f FILE [-m META_FILE] [-a PARTS_FILE] [-t N] [-s BYTES] [options]
  s3mpu upload -b BUCKET -k KEY -d DIR -p PREFIX [-m META_FILE] [-a PARTS_FILE] [options]
  s3mpu upload FILE s3://BUCKET/KEY [options]          # a KEY ending in / adds FILE's name

Give the object either as s3://BUCKET/KEY or with -b and -k, not both.

Uploads a file to S3 with multipart upload. Progress is journaled to the state files after
every part, so if the run stops for any reason, the same command resumes where it stopped.
On success the state files are removed.

Options:
${optionsHelp(UPLOAD_OPTIONS)}

With --json, stdout holds one object: bucket, key, uploadId, eTag, versionId, location, size,
partSize, parts, partsUploaded, seconds, checksumAlgorithm, proof (versionId and location are
null when the store returns none; uploadId is null, and partSize, parts and partsUploaded 0,
for an empty file, which is put whole). proof names what proved the stored object:
full-object-crc32 (or -crc32c, -sha256), composite-checksum, multipart-etag, md5-etag,
read-back, or none (--no-read-back). Logs and progress always go to stderr. NO_COLOR turns
colour off.

State files (-m, -a, and META_FILE.lock) must be regular files or absent, distinct from each
other and from the source; an existing one is only overwritten or removed when it is s3mpu
(or seed) state of this bucket and key (docs/state-paths.md).

Exit codes: 0 done · 2 the command must change (bad input, rejected or missing credentials,
wrong endpoint or region, missing bucket, invalid key, any permanent 4xx; nothing changed) ·
3 re-running unchanged can succeed (network, 5xx, throttling, expired credentials; state
kept) · 4 needs a decision (source changed, upload gone, the stored object not proved to be
the bytes sent, recorded endpoint differs: use --restart) · 130 interrupted by SIGINT,
SIGTERM or SIGHUP (state kept). Exit 0: the stored object is proved to be the bytes sent,
unless --no-read-back left its proof "none".

Sizes (-s, --limit-rate): bytes, or KB/MB/GB/TB and KiB/MiB/GiB/TiB, all powers of 1,024 as in
aws-cli (-s 64MB = -s 64MiB = 67108864). Object options are fixed at create and recorded in the
meta file (never the SSE-C key); a resume with other options exits 4 and names the difference.

Examples:
  s3mpu upload db.tar s3://my-bucket/backups/          # → s3://my-bucket/backups/db.tar
  s3mpu upload db.tar s3://my-bucket/backups/ --profile prod --limit-rate 20MiB
  s3mpu upload report.csv s3://my-bucket/r/ --sse aws:kms --sse-kms-key-id alias/reports \\
      --acl bucket-owner-full-control --storage-class STANDARD_IA --tagging "team=data"
  s3mpu upload db.tar s3://my-bucket/ --sse-c AES256 --sse-c-key-file key.bin
  s3mpu upload -b my-bucket -k backups/db.tar -f db.tar
  s3mpu upload -b my-bucket -k data/input.txt -f input.txt -t 8 -s 64MiB \\
      --endpoint-url http://127.0.0.1:9000
  s3mpu upload -b my-bucket -k data/input.txt -d /data/ -p input_data_ -m input_meta.json -a input_parts.jsonl
`;

/** `s3mpu upload`. */
export const uploadCommand: Command = {
  name: "upload",
  summary: "upload a file (or a directory of chunks); re-run the same command to resume",
  help: () => UPLOAD_HELP,
  run: async (args) => {
    const result = await upload(args);
    if (result === "help") return result;
    // Every documented key is present in --json, even when the store returned no value.
    return {
      exitCode: ExitCode.ok,
      json: { ...result, versionId: result.versionId ?? null, location: result.location ?? null },
    };
  },
};

async function upload(args: string[]): Promise<UploadResult | "help"> {
  const flags = parseFlags("upload", UPLOAD_OPTIONS, args);
  if (flags.help) return "help";
  const level = logLevel(flags);
  const mode = progressMode({
    quiet: level === "quiet",
    noProgress: flags["no-progress"] === true,
    isTerminal: Deno.stderr.isTerminal(),
  });
  // On a terminal, log lines go through the bar so it is cleared and redrawn around them;
  // otherwise the bar's plain lines go through the logger.
  const progress: Progress = createProgress({
    mode,
    info: mode === "lines" ? (message) => logger.info(message) : undefined,
    color: !Deno.noColor,
    intervalMs: progressIntervalMs(),
  });
  const logger = quietPartLines(
    createLogger(level, mode === "bar" ? (line) => progress.log(line) : undefined),
    mode,
  );
  try {
    return await uploadWith(flags, logger, progress, mode);
  } catch (error) {
    throw retyped(error, flags); // the messages name what the user typed: URL, file argument
  } finally {
    progress.close();
  }
}

async function uploadWith(
  flags: Flags,
  logger: Logger,
  progress: Progress,
  mode: ProgressMode,
): Promise<UploadResult> {
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
  const extras = await parseUploadExtras(flags, str(flags, "file-path") ?? key);
  const opened = await openSource(flags);
  const { source } = opened;
  // Beside the source, or in --state-dir / S3MPU_STATE_DIR / the XDG fallback.
  const defaultStateBase = await defaultStateBaseFor(flags, opened.defaultStateBase, logger);
  // The state path rules (docs/state-paths.md), before anything is created or removed.
  const { metaPath, partsPath } = await checkStatePaths({
    metaPath: str(flags, "meta-file-path") ?? `${defaultStateBase}.s3mpu-meta.json`,
    partsPath: str(flags, "parts-file-path") ?? `${defaultStateBase}.s3mpu-parts.jsonl`,
    sources: source.files,
  });
  if (!flags["meta-file-path"] || !flags["parts-file-path"]) {
    logger.info(`State files: ${metaPath} and ${partsPath}.`);
  }
  const resolved = await resolveStore(flags, { parallelism: threads, logger });
  const stop = onStopSignals(logger, { json: flags.json === true });
  let closeBackend = () => resolved.backend.close();
  try {
    // Without --provider, a store by address is asked what it is (one HeadBucket).
    const { store, detected } = await storeForUpload(resolved, {
      bucket,
      metaPath,
      partsPath,
      restart: flags.restart === true,
      logger,
      signal: stop.signal,
    });
    const backend = extras.wrap(store.backend, progress, mode);
    closeBackend = () => backend.close();
    const checksum = checksumChoice(str(flags, "checksum-algorithm"), store.preset);
    return await runUpload({
      request: {
        bucket,
        key,
        source,
        requestedPartSize,
        threads,
        metaPath,
        partsPath,
        restart: flags.restart === true,
        checksumAlgorithm: checksum.checksumAlgorithm,
        checksumChosen: checksum.checksumChosen,
        objectOptions: extras.recorded,
        readBack: flags["no-read-back"] !== true,
      },
      rules: {
        preferredPartSize: store.preset.recommendedPartSize,
        ...(checksum.checksumType ? { checksumType: checksum.checksumType } : {}),
        etagIsMd5: store.preset.etagIsMd5,
        md5Header: store.preset.checksum.md5Header ?? false,
        provider: store.preset.name,
        ...(detected ? { providerDetected: detected } : {}),
        endpoint: store.endpoint,
        region: store.region,
      },
      context: {
        backend,
        retry: store.retry,
        backendForRecorded: async (recorded) =>
          (await resolveRecordedStore(flags, recorded, { parallelism: 1, logger })).backend,
        fsyncJournal: Deno.env.get("S3MPU_BENCH_NO_FSYNC") !== "1",
        logger,
        progress,
        stopSignal: stop.signal,
        stopGraceMs: 5_000,
      },
    }).then((result) => {
      logger.info(completeLine(result));
      return result;
    });
  } finally {
    stop.dispose();
    closeBackend();
  }
}

/** The run's last line: what is stored, and what proved it. */
function completeLine(result: UploadResult): string {
  const how = result.uploadId === null ? "put whole" : `in ${result.parts} parts`;
  const proof = result.proof === "none"
    ? "NOT proved (--no-read-back)"
    : `proved by ${describeProof(result.proof)}`;
  return `Upload complete: s3://${result.bucket}/${result.key}, ${result.size} bytes ${how}, ETag ${result.eTag}, ${
    result.seconds.toFixed(1)
  } s; ${proof}.`;
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

/**
 * The plain progress line's interval: 10 s, or S3MPU_PROGRESS_INTERVAL seconds (a decimal,
 * at least 0.05) so tests and short CI jobs can see lines sooner.
 */
function progressIntervalMs(): number {
  const text = Deno.env.get("S3MPU_PROGRESS_INTERVAL");
  const seconds = text === undefined ? NaN : Number(text);
  return Number.isFinite(seconds) && seconds >= 0.05 ? seconds * 1000 : 10_000;
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
  return { source: await openFileSource(given.file), defaultStateBase: given.file };
}
