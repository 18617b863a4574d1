import { ExitCode, NeedsDecisionError, UsageError } from "../../errors.ts";
import { openChunkDirSource, openFileSource, type PartSource } from "../../plan/part_source.ts";
import { SourceChangedError } from "../../plan/source_identity.ts";
import { type Verdict, verifyByDownload, verifyObject } from "../../inspect/verify_object.ts";
import { resolveStore } from "../backend_config.ts";
import { detectedStore } from "../store_detection.ts";
import { withUploadOptions } from "../../../backends/with_upload_options.ts";
import { SSE_C_OPTION_SPECS, sseCustomerFromFlags } from "../object_flags.ts";
import { type Command, defineCommand, printReport } from "../command.ts";
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
} from "../common_options.ts";
import { type Flags, optionsHelp, type OptionSpec, required, str } from "../parse.ts";
import { join } from "node:path";
import { formatBytes } from "../../../backends/units.ts";
import { parseByteSize } from "../values.ts";
import { storeError, withStore } from "../with_store.ts";
import { sourceFlags } from "../source_flags.ts";
import { isDirectory } from "../tree_run.ts";
import { refuseFiltersForFile, TREE_FILTER_OPTIONS } from "../tree_target.ts";
import { DEFAULT_VERIFY_CONCURRENCY, runTreeVerify } from "../tree_verify.ts";

/** Exit code for "proved different" (including: the object does not exist). */
export const EXIT_MISMATCH = 1;
/** Exit code for "no stored value can decide; run with --download". */
export const EXIT_UNDECIDED = 5;

const VERIFY_OPTIONS: OptionSpec[] = [
  bucketOption("The object's bucket."),
  keyOption("The object's key."),
  fileOption("The local file."),
  dirOption(
    "Instead of -f: a directory of chunk files (as upload -d takes it) whose concatenation, in the order of their numbers, is the object.",
  ),
  prefixOption("With -d: the chunk files' name prefix, e.g. input_data_."),
  {
    long: "split-size",
    short: "s",
    type: "string",
    value: "BYTES",
    help:
      "The part size the object was uploaded with (16MiB, 8388608, ...), for stores that do not report part sizes. Default: the store's answer, else (with -d) the chunk sizes, else the sizes that give the object's part count.",
  },
  {
    long: "download",
    type: "boolean",
    help:
      "Read the whole object and compare its SHA-256 with the file's (constant memory). Exact on every store; costs a download.",
  },
  ...SSE_C_OPTION_SPECS, // an SSE-C object is read with its key
  ...TREE_FILTER_OPTIONS,
  {
    long: "state-dir",
    type: "string",
    value: "DIR",
    help:
      "With DIR: the upload's --state-dir; when it is inside DIR it is left out of the walk, as the upload leaves it out.",
  },
  {
    long: "concurrency",
    type: "string",
    value: "N",
    help: `With DIR: files verified at once, 1 to 1024 (default ${DEFAULT_VERIFY_CONCURRENCY}).`,
  },
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
];

const VERIFY_HELP = `Usage:
  s3mpu verify -b BUCKET -k KEY -f FILE [-s BYTES] [--download] [options]
  s3mpu verify FILE s3://BUCKET/KEY [-s BYTES] [--download] [options]   # KEY ending in / adds FILE's name
  s3mpu verify -b BUCKET -k KEY -d DIR -p PREFIX [--download] [options]  # or -d DIR -p PREFIX s3://BUCKET/KEY
  s3mpu verify DIR s3://BUCKET/PREFIX/ [filters] [--concurrency N] [--download] [options]  # a tree

Checks that an object holds exactly the bytes of a local file (or of a chunk directory: its
chunks in order, the parts of the object upload -d made), and says "Match" only when a
content value proves it:
  1. the object's stored checksum (HeadObject with checksum mode): a FULL_OBJECT CRC is
     compared with the file's CRC; a COMPOSITE one is computed over the file's parts (part
     sizes from GetObjectAttributes, or -s, or the chunk sizes, or the sizes that give its
     part count);
  2. else its MD5 ETag: a single-part object's MD5, or a multipart "<md5>-N" ETag computed
     from the MD5 of each part.
A differing size proves a mismatch at once. A differing MD5 ETag proves one only where the
provider preset says ETags are MD5s, the part sizes are known, and no SSE-KMS/SSE-C changed
the ETag. When nothing stored can decide, verify says so and exits ${EXIT_UNDECIDED}: run it again
with --download, which streams the object and compares SHA-256.

A directory tree (DIR s3://BUCKET/PREFIX/): every file the upload's filters pick, against the
object at PREFIX + its path, with the same verdicts, --concurrency files at once. One line
per file that is not the same, then a summary; --json: files, same, different, missing,
undecided, results (the first 100 not the same). Exit 0 all the same, 1 some differ or are
missing, ${EXIT_UNDECIDED} some undecided and none differ.

Options:
${optionsHelp(VERIFY_OPTIONS)}

Output: one line on stdout ("Match: ...", "Mismatch: ..." or "Undecided: ..."); with --json,
one object (result "same" | "different" | "undecided", match true | false | null, method,
stored, computed, partSize, size, objectSize, message).

Every read of the local bytes is proved to be of the file (or chunk) as it was opened: its
device, inode, size, mtime and change time.

Exit codes: 0 the same bytes (proved) · 1 different (proved), or the object does not exist ·
2 bad usage · 3 the store could not be asked · 4 the local file or a chunk changed (or was
replaced) while verify read it: nothing was proved, run again once it is left alone ·
${EXIT_UNDECIDED} undecided: no stored checksum or MD5 ETag proves it either way; run with --download ·
130 interrupted.

Examples:
  s3mpu verify -b my-bucket -k backups/db.tar -f db.tar
  s3mpu verify -b my-bucket -k data/input.txt -d chunks -p input_data_
  s3mpu verify -b my-bucket -k data/input.txt -f input.txt --download --json
  s3mpu verify photos s3://my-bucket/photos/ --exclude '*.tmp' --concurrency 32
`;

/** How long verify waits for the store to say what it is before it keeps the default preset. */
const PROBE_TIMEOUT_MS = 30_000;

/** `s3mpu verify`. */
export const verifyCommand: Command = defineCommand({
  name: "verify",
  summary: "prove an object holds the same bytes as a local file (stored checksum, or --download)",
  help: VERIFY_HELP,
  options: VERIFY_OPTIONS,
  run: async (flags, logger, args) => {
    if (await isDirectory(str(flags, "file-path"))) {
      return await runTreeVerify(flags, logger, args, VERIFY_OPTIONS, {
        mismatch: EXIT_MISMATCH,
        undecided: EXIT_UNDECIDED,
      });
    }
    refuseFiltersForFile(flags, "verify");
    if (str(flags, "concurrency") !== undefined || str(flags, "state-dir") !== undefined) {
      throw new UsageError(
        "--concurrency and --state-dir apply to a directory tree only (s3mpu verify DIR s3://BUCKET/PREFIX/).",
      );
    }
    const bucket = requiredBucket(flags, "the object's bucket");
    const key = requiredKey(flags, "the object's key");
    const splitText = str(flags, "split-size");
    const requestedPartSize = splitText === undefined
      ? undefined
      : parseByteSize("-s/--split-size", splitText);
    const { source, file } = await openLocal(flags);
    const fileSize = source.fingerprint.size;
    const requestOptions = await sseCustomerFromFlags(flags);
    // Without --provider, a store by address is asked what it is: its preset says what proves.
    const store = (await detectedStore(
      await resolveStore(flags, { parallelism: 1, logger }),
      bucket,
      logger,
      AbortSignal.timeout(PROBE_TIMEOUT_MS),
    )).store;
    const download = flags.download === true;
    let read = 0;
    let nextReport = performance.now() + 10_000;
    const onBytes = (n: number) => {
      read += n;
      if (performance.now() < nextReport) return;
      nextReport = performance.now() + 10_000;
      logger.info(
        `Read ${formatBytes(read)} of ${formatBytes(download ? fileSize * 2 : fileSize)}.`,
      );
    };
    const verdict: Verdict = await withStore(store, logger, async ({ backend }, signal) => {
      const request = {
        backend: withUploadOptions(backend, { requestOptions }),
        ref: { bucket, key },
        source,
        file,
        ...(requestedPartSize !== undefined ? { requestedPartSize } : {}),
        limits: store.preset.limits,
        etagIsMd5: store.preset.etagIsMd5,
        signal,
        log: (m: string) => logger.info(m),
        onBytes,
      };
      try {
        return download ? await verifyByDownload(request) : await verifyObject(request);
      } catch (error) {
        if (error instanceof SourceChangedError) {
          throw new NeedsDecisionError(
            `${file} changed while verify read it (${
              error.changes.join("; ")
            }); nothing was proved. Run verify again once it is no longer being changed.`,
          );
        }
        throw storeError(error, `read s3://${bucket}/${key}`);
      }
    }, { json: flags.json === true });
    printReport(flags, verdict.message);
    return {
      exitCode: verdict.result === "same"
        ? ExitCode.ok
        : verdict.result === "different"
        ? EXIT_MISMATCH
        : EXIT_UNDECIDED,
      json: {
        bucket,
        key,
        file,
        ...verdict,
        match: verdict.result === "undecided" ? null : verdict.result === "same",
        size: fileSize,
        provider: store.preset.name,
      },
    };
  },
});

/**
 * The local side: -f FILE, or -d DIR -p PREFIX (a chunk directory, read as upload -d reads
 * it), opened once so every later read is proved to be of what was opened. `file` names it.
 */
async function openLocal(flags: Flags): Promise<{ source: PartSource; file: string }> {
  const given = sourceFlags(flags);
  if (given?.kind === "chunks") {
    const { dir, prefix } = given;
    return { source: await openChunkDirSource(dir, prefix), file: `${join(dir, prefix)}*` };
  }
  const file = given?.file ?? required(flags, "file-path", "f", "the local file to compare with");
  return { source: await openFileSource(file), file };
}
