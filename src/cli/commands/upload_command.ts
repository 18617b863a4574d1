import { withUploadOptions } from "../../../backends/with_upload_options.ts";
import { ExitCode, InterruptedError } from "../../errors.ts";
import { createLogger, type LogLevel } from "../../log.ts";
import { fileStateStore } from "../../state/file_state_store.ts";
import { runBatch } from "../../transfer/batch_runner.ts";
import { classifyFailure } from "../../transfer/failure.ts";
import { runUpload } from "../../transfer/object_upload.ts";
import { runStreamUpload } from "../../transfer/stream_upload.ts";
import { isStreamSource } from "../../plan/stream_source.ts";
import { Scheduler } from "../../transfer/scheduler.ts";
import type { UploadJob, UploadResult } from "../../transfer/upload_job.ts";
import { resolveRecordedStore, resolveStore } from "../backend_config.ts";
import { type Command, defineCommand } from "../command.ts";
import { type Flags, str } from "../parse.ts";
import { isDirectory, runTreeUpload } from "../tree_run.ts";
import { optionsHelp } from "../parse.ts";
import {
  createProgress,
  type Progress,
  progressIntervalMs,
  type ProgressMode,
  progressMode,
} from "../progress.ts";
import { onStopSignals } from "../stop_signals.ts";
import { uploadEvents } from "../upload_events.ts";
import { checksumChoice, readUploadPlan, UPLOAD_OPTIONS } from "../upload_plan.ts";
import { retyped } from "../as_typed.ts";
import { storeForUpload } from "../store_detection.ts";
import { describeProof } from "../../transfer/object_proof.ts";

/** `s3mpu upload --help`. */
const UPLOAD_HELP = `Usage:
  s3mpu upload -b BUCKET -k KEY -f FILE [-m META_FILE] [-a PARTS_FILE] [-t N] [-s BYTES] [options]
  s3mpu upload -b BUCKET -k KEY -d DIR -p PREFIX [-m META_FILE] [-a PARTS_FILE] [options]
  s3mpu upload FILE s3://BUCKET/KEY [options]          # a KEY ending in / adds FILE's name
  s3mpu upload DIR s3://BUCKET/PREFIX/ [options]       # a whole tree (docs/trees.md)
  COMMAND | s3mpu upload - s3://BUCKET/KEY [options]   # a stream: stdin, a FIFO or <(COMMAND)

Give the object either as s3://BUCKET/KEY or with -b and -k, not both.

Uploads a file to S3 with multipart upload. Progress is journaled to the state files after
every part, so if the run stops for any reason, the same command resumes where it stopped.
On success the state files are removed.

A stream (-f -, a FIFO, <(COMMAND)) is read once, front to back: each part is held in memory
while it is sent, at most (-t + 1) x the part size (-v prints it). Its state files go to the
state directory, named from the bucket, key and endpoint. Run the same producer again to
resume: the stream is read from the start, the parts already stored are checked against
their checksums instead of sent, and a different stream exits 4 (docs/pipes.md).

Options:
${optionsHelp(UPLOAD_OPTIONS)}

With --json, stdout holds one object: bucket, key, uploadId, eTag, versionId, location, size,
partSize, parts, partsUploaded, seconds, checksumAlgorithm, proof (versionId and location are
null when the store returns none; uploadId is null, and partSize, parts and partsUploaded 0,
for an empty file, which is put whole). proof names what proved the stored object:
full-object-crc32 (or -crc32c, -sha256), composite-checksum, multipart-etag, md5-etag,
read-back, or none (--no-read-back); for a stream also read: {size, crc32, sha256} of the
bytes read. Logs and progress always go to stderr. NO_COLOR turns
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
export const uploadCommand: Command = defineCommand({
  name: "upload",
  summary: "upload a file (or a directory of chunks); re-run the same command to resume",
  help: UPLOAD_HELP,
  options: UPLOAD_OPTIONS,
  run: async (flags, { level }, args) => {
    if (await isDirectory(str(flags, "file-path"))) {
      return await runTreeUpload(flags, args, UPLOAD_OPTIONS, level);
    }
    const result = await withDisplay(flags, level, (display) => upload(flags, display)).catch(
      (error) => {
        throw retyped(error, flags); // the messages name what the user typed: URL, file argument
      },
    );
    // Every documented key is present in --json, even when the store returned no value.
    return {
      exitCode: ExitCode.ok,
      json: { ...result, versionId: result.versionId ?? null, location: result.location ?? null },
    };
  },
});

/** How the run shows itself: the progress display, and a logger whose lines go around it. */
interface Display {
  mode: ProgressMode;
  progress: Progress;
  logger: ReturnType<typeof createLogger>;
}

async function withDisplay<T>(
  flags: Flags,
  level: LogLevel,
  use: (display: Display) => Promise<T>,
): Promise<T> {
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
  const logger = createLogger(level, mode === "bar" ? (line) => progress.log(line) : undefined);
  try {
    return await use({ mode, progress, logger });
  } finally {
    progress.close();
  }
}

/** Uploads the one object the flags name: a batch of one, whose failure is reported as is. */
async function upload(flags: Flags, { mode, progress, logger }: Display): Promise<UploadResult> {
  const plan = await readUploadPlan(flags, (message) => logger.info(message));
  const { bucket, key, state } = plan;
  if (state.defaulted) logger.info(`State files: ${state.metaPath} and ${state.partsPath}.`);
  const resolved = await resolveStore(flags, { parallelism: plan.threads, logger });
  const stop = onStopSignals(logger, { json: flags.json === true });
  let closeBackend = () => resolved.backend.close();
  try {
    // Without --provider, a store by address is asked what it is (one HeadBucket).
    const { store, detected } = await storeForUpload(resolved, {
      bucket,
      metaPath: state.metaPath,
      partsPath: state.partsPath,
      restart: plan.restart,
      logger,
      signal: stop.signal,
    });
    const backend = withUploadOptions(store.backend, {
      objectOptions: plan.objectFlags.objectOptions,
      requestOptions: plan.objectFlags.requestOptions,
    });
    closeBackend = () => backend.close();
    const checksum = checksumChoice(plan.checksumFlag, store.preset);
    // Byte progress needs the body in slices; without a display there is nothing to count.
    const pace = Deno.env.get("S3MPU_BENCH_PACE"); // benchmark only: "always" | "never"
    const stream = isStreamSource(plan.source);
    // A stream's size is unknown until its end: no bar or percentage, the part lines only.
    const countBytes = !stream && plan.streamsBodies &&
      (pace === "always" || (pace !== "never" && mode !== "off"));
    const job: UploadJob = {
      request: {
        bucket,
        key,
        source: plan.source,
        requestedPartSize: plan.requestedPartSize,
        ...(plan.expectedSize !== undefined ? { expectedSize: plan.expectedSize } : {}),
        threads: plan.threads,
        state: fileStateStore({
          metaPath: state.metaPath,
          partsPath: state.partsPath,
          fsync: Deno.env.get("S3MPU_BENCH_NO_FSYNC") !== "1",
        }),
        restart: plan.restart,
        checksumAlgorithm: checksum.checksumAlgorithm,
        checksumChosen: checksum.checksumChosen,
        objectOptions: plan.objectFlags.recorded,
        readBack: plan.readBack,
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
        pacer: store.pacer,
        backendForRecorded: async (recorded) =>
          (await resolveRecordedStore(flags, recorded, { parallelism: 1, logger })).backend,
        logger,
        events: uploadEvents(progress, logger, { mode, countBytes }),
        scheduler: new Scheduler({ requestSlots: plan.threads, rate: plan.rate }),
        stopSignal: stop.signal,
        stopGraceMs: 5_000,
      },
    };
    const batch = await runBatch({
      tasks: [job],
      run: stream ? runStreamUpload : runUpload,
      concurrency: 1,
      stopSignal: stop.signal,
      classify: (error) => classifyFailure(error, { stateKept: true, stateName: state.metaPath }),
    });
    const [outcome] = batch.outcomes;
    if (!outcome) throw new InterruptedError(); // stopped before it began
    if (outcome.status === "failed") throw outcome.error;
    const result = outcome.result;
    logger.info(completeLine(result));
    if (result.read) {
      logger.info(
        `Read from the stream: ${result.read.size} bytes, CRC32 ${result.read.crc32}, SHA-256 ${result.read.sha256}.`,
      );
    }
    return result;
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
