import { ExitCode, UsageError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { fileStateStore } from "../../state/file_state_store.ts";
import { checkStatePaths } from "../../state/state_paths.ts";
import { resolveStore, storeForMeta } from "../backend_config.ts";
import { type Command, defineCommand } from "../command.ts";
import { bucketOption, CONNECTION_OPTIONS, keyOption, OUTPUT_OPTIONS } from "../common_options.ts";
import { type Flags, optionsHelp, type OptionSpec, str } from "../parse.ts";
import { STATE_FILE_OPTIONS, stateFilesFromFlags } from "../state_options.ts";
import { checkBucketName, checkKey } from "../values.ts";
import { type Aborted, abortOne, withStore } from "../with_store.ts";
import { runningHolder } from "../../state/active_uploads.ts";
import { inUseText } from "../list_rows.ts";
import { printReport } from "../command.ts";
import { isStreamPath } from "../../plan/stream_source.ts";
import { isDirectory } from "../tree_run.ts";
import { refuseFiltersForFile, TREE_FILTER_OPTIONS } from "../tree_target.ts";
import { runTreeAbort } from "../tree_abort.ts";

const ABORT_OPTIONS: OptionSpec[] = [
  ...STATE_FILE_OPTIONS,
  ...TREE_FILTER_OPTIONS,
  bucketOption("With -k and --upload-id: the bucket of an upload that has no state files here."),
  keyOption("With -b and --upload-id: the upload's object key."),
  {
    long: "upload-id",
    type: "string",
    value: "ID",
    help: "With -b and -k: the upload id to abort (s3mpu list shows them).",
  },
  {
    long: "forget",
    type: "boolean",
    help:
      "Also remove the state files when the server says the bucket does not exist (NoSuchBucket). An upload the server no longer knows is always forgotten.",
  },
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
];

const ABORT_HELP = `Usage:
  s3mpu abort -m META_FILE [-a PARTS_FILE] [options]
  s3mpu abort -f FILE [options]
  s3mpu abort - s3://BUCKET/KEY [options]              # a stream's upload (upload - s3://…)
  s3mpu abort -b BUCKET -k KEY --upload-id ID [options]
  s3mpu abort s3://BUCKET/KEY --upload-id ID [options]
  s3mpu abort DIR s3://BUCKET/PREFIX/ [filters] [--state-dir DIR] [options]   # a tree job

Aborts a multipart upload: the server deletes the parts it holds (and stops charging for
them). With state files, aborts the upload they record (and any other upload id in the parts
journal), then removes the meta file, the parts journal and the lock file. It takes the state
lock first, so it refuses to abort an upload that a running s3mpu upload is driving.

The store is the one the meta file records (endpoint, provider, region) unless
--endpoint-url, --provider or --region say otherwise.

With -b, -k and --upload-id it aborts that upload on the server only; use it for uploads
whose state files are lost (s3mpu list shows every unfinished upload in a bucket).

An upload that is already gone from the server counts as aborted, and its state files are
removed. When the bucket itself is gone (NoSuchBucket), abort exits 2 and keeps the files
unless --forget is given: then it removes them, as the server confirmed nothing is left.

The state files are only removed when they are s3mpu's: the meta file must parse as s3mpu
(or seed) state, the parts file must hold part records of the meta file's upload id, and
neither may be a device, directory or FIFO (see docs/state-paths.md). A meta file and parts
file of different uploads are refused, nothing is aborted.

A directory tree (DIR s3://BUCKET/PREFIX/, with the upload's filters and --state-dir, which
name its job): takes the job's lock (refused, exit 2, while a run drives the job), aborts every
multipart upload the job's journal records as open or given up, then removes the job's state
directory. Objects already stored are never deleted.

Options:
${optionsHelp(ABORT_OPTIONS)}

Output: a line per upload on stdout; with --json, one object (bucket, key, uploadId, uploads
[{uploadId, result: "aborted" | "already gone" | "bucket gone"}], removedFiles, stream: whether
the state was a stream's).

Exit codes: 0 aborted (or already gone) · 2 bad usage, no upload recorded, or another run
holds the state lock, state files that are not this upload's, rejected credentials, nothing
answers at the endpoint, bucket gone (without --forget) · 3 the server failed or timed out
after all retries, or the credentials expired (nothing removed; try again).

Examples:
  s3mpu abort -f db.tar
  s3mpu abort -m input_meta.json -a input_parts.jsonl
  s3mpu abort -b my-bucket -k backups/db.tar --upload-id 2~abcdef --endpoint-url http://127.0.0.1:9000
  s3mpu abort photos s3://my-bucket/photos/
`;

/** `s3mpu abort`. */
export const abortCommand: Command = defineCommand({
  name: "abort",
  summary: "abort an unfinished upload on the server and remove its state files",
  help: ABORT_HELP,
  options: ABORT_OPTIONS,
  run: async (flags, logger, args) => {
    if (await isDirectory(str(flags, "file-path"))) {
      return await runTreeAbort(flags, logger, args, ABORT_OPTIONS);
    }
    refuseFiltersForFile(flags, "abort");
    const uploadId = str(flags, "upload-id");
    const report = uploadId !== undefined
      ? await abortById(flags, uploadId, logger)
      : await abortRecorded(flags, logger);
    const lines = report.uploads.map((u) =>
      u.result === "aborted"
        ? `Aborted upload ${u.uploadId} of s3://${report.bucket}/${report.key}; the server deletes its parts.`
        : u.result === "bucket gone"
        ? `The bucket ${report.bucket} no longer exists, so upload ${u.uploadId} is gone with it.`
        : `Upload ${u.uploadId} of s3://${report.bucket}/${report.key} was already gone from the server.`
    );
    if (report.removedFiles.length > 0) {
      lines.push(`Removed the state files ${report.removedFiles.join(", ")}.`);
    }
    if (report.stream) {
      lines.push(
        "It was a stream's upload (standard input, a FIFO or <(…)): its bytes were kept nowhere else; run the producer again into s3mpu upload to upload it anew.",
      );
    }
    if (lines.length > 0) printReport(flags, lines.join("\n"));
    return { exitCode: ExitCode.ok, json: report };
  },
});

async function abortById(flags: Flags, uploadId: string, logger: Logger) {
  if (str(flags, "meta-file-path") !== undefined || str(flags, "file-path") !== undefined) {
    throw new UsageError(
      "Pass either -m/-f (the state files) or -b, -k and --upload-id, not both; see s3mpu abort --help.",
    );
  }
  const bucket = str(flags, "bucket");
  const key = str(flags, "key");
  if (bucket === undefined || key === undefined || uploadId === "") {
    throw new UsageError(
      "--upload-id needs -b BUCKET and -k KEY too (s3mpu list shows them); see s3mpu abort --help.",
    );
  }
  checkBucketName(bucket);
  checkKey(key);
  // Without state files there is no state lock to take: the registry of running uploads says
  // whether an upload run on this host drives this upload.
  const running = await runningHolder({ bucket, key, uploadId });
  if (running) {
    throw new UsageError(
      `Upload ${uploadId} of s3://${bucket}/${key} is ${
        inUseText(running)
      }; stop that run first (Ctrl-C), then abort it with its state files (s3mpu abort -f FILE).`,
    );
  }
  const store = resolveStore(flags, { parallelism: 1, logger });
  const result = await withStore(
    store,
    logger,
    ({ backend }, signal) =>
      abortOne(backend, { bucket, key, uploadId }, signal, { checkFirst: true }),
    {
      json: flags.json === true,
    },
  );
  return {
    bucket,
    key,
    uploadId,
    uploads: [result],
    removedFiles: [] as string[],
    stream: false,
  };
}

async function abortRecorded(flags: Flags, logger: Logger) {
  const named = stateFilesFromFlags(flags, "abort");
  const file = str(flags, "file-path");
  const { metaPath, partsPath } = await checkStatePaths({
    ...named,
    sources: file !== undefined && !isStreamPath(file) ? [file] : [],
  });
  // Locked until the state files are gone, so no upload run can start driving it meanwhile.
  const state = await fileStateStore({ metaPath, partsPath }).open();
  try {
    // Refuses a journal of another upload than the meta file's: nothing is aborted then.
    const { meta, journalUploadIds: ids } = await state.recorded();
    if (meta) ids.add(meta.uploadId);
    const bucket = meta?.bucket ?? str(flags, "bucket");
    const key = meta?.key ?? str(flags, "key");
    if (!meta && (ids.size === 0 || bucket === undefined || key === undefined)) {
      throw new UsageError(
        ids.size === 0
          ? `No upload is recorded in ${metaPath}: the file does not exist. Check -m or -f, or pass -b, -k and --upload-id.`
          : `${metaPath} is missing, so the journal's upload's bucket and key are unknown; pass -b and -k too.`,
      );
    }
    const store = meta
      ? await storeForMeta(flags, meta, logger)
      : await resolveStore(flags, { parallelism: 1, logger });
    const uploads: Aborted[] = [];
    await withStore(store, logger, async ({ backend }, signal) => {
      for (const uploadId of ids) {
        uploads.push(
          await abortOne(backend, { bucket: bucket!, key: key!, uploadId }, signal, {
            checkFirst: true,
            forget: flags.forget === true,
            metaPath,
          }),
        );
      }
    }, { json: flags.json === true });
    const removedFiles = await state.discard();
    return {
      bucket: bucket!,
      key: key!,
      uploadId: meta?.uploadId ?? [...ids][0],
      uploads,
      removedFiles,
      stream: meta?.source?.kind === "stream",
    };
  } finally {
    await state.close();
  }
}
