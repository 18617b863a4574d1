/**
 * `s3mpu upload DIR s3://BUCKET/PREFIX/`: reads the plan, opens (or finds) the job, streams
 * the walk through the transfer layer, and reports one summary line and the `--json` object
 * (docs/trees.md).
 *
 * @module
 */
import { join } from "node:path";
import { withUploadOptions } from "../../backends/with_upload_options.ts";
import { withNoClobber } from "../../backends/no_clobber.ts";
import { ExitCode, UsageError } from "../errors.ts";
import type { LogLevel } from "../log.ts";
import { createLogger } from "../log.ts";
import { contentTypeGuesser } from "../mime_types.ts";
import { isInside } from "../plan/path_order.ts";
import { comparePaths } from "../plan/path_order.ts";
import { DEFAULT_PART_SIZE } from "../plan/part_plan.ts";
import type { TreeFailure, TreeSkip } from "../plan/tree_events.ts";
import { startSource } from "../plan/tree_source.ts";
import { JobDir, jobIdOf } from "../state/job_dir.ts";
import { JobRun } from "../state/job_run.ts";
import { Scheduler } from "../transfer/scheduler.ts";
import { TreeOutcomes } from "../transfer/tree_outcomes.ts";
import { uploadTree } from "../transfer/tree_upload.ts";
import { resolveStore } from "./backend_config.ts";
import { detectedStore } from "./store_detection.ts";
import type { CommandOutcome } from "./command.ts";
import { objectOptionsFromFlags, type ParsedObjectFlags } from "./object_flags.ts";
import { type Flags, type OptionSpec, str } from "./parse.ts";
import { progressIntervalMs, progressMode } from "./progress.ts";
import { cliText } from "./remedy_words.ts";
import { type RemedyWords, wordOut } from "../errors.ts";

/** A remedy in a tree's words: the file that needs a restart gets one from the next run. */
const TREE_REMEDY_WORDS: RemedyWords = { restart: "the same command (the file then starts over)" };
import { onStopSignals } from "./stop_signals.ts";
import { PUT_BYTES_IN_FLIGHT, readTreePlan } from "./tree_options.ts";
import { TreeProgress } from "./tree_progress.ts";
import { checksumChoice } from "./upload_plan.ts";

/** Whether `path` names a directory (a tree upload) rather than a file. */
export async function isDirectory(path: string | undefined): Promise<boolean> {
  if (path === undefined) return false;
  return await Deno.stat(path).then((info) => info.isDirectory, () => false);
}

/** Runs a directory upload; its exit code is the most urgent of its files' outcomes. */
export async function runTreeUpload(
  flags: Flags,
  args: string[],
  specs: OptionSpec[],
  level: LogLevel,
): Promise<CommandOutcome> {
  const started = performance.now();
  const mode = progressMode({
    quiet: level === "quiet",
    noProgress: flags["no-progress"] === true,
    isTerminal: Deno.stderr.isTerminal(),
  });
  // Log lines go around the live line; the display is built with the logger it uses.
  const sink = { line: (text: string) => console.error(text) };
  const logger = createLogger(level, (text) => sink.line(text));
  const outcomes = new TreeOutcomes();
  const progress = new TreeProgress({ outcomes, mode, logger, intervalMs: progressIntervalMs() });
  sink.line = (text) => progress.log(text);
  try {
    return await upload(flags, args, specs, logger, outcomes, progress, started);
  } finally {
    progress.close();
  }
}

async function upload(
  flags: Flags,
  args: string[],
  specs: OptionSpec[],
  logger: ReturnType<typeof createLogger>,
  outcomes: TreeOutcomes,
  progress: TreeProgress,
  started: number,
): Promise<CommandOutcome> {
  const plan = await readTreePlan(flags, args, specs);
  // Without --provider, a store by address is asked what it is (one HeadBucket per run).
  const { store } = await detectedStore(
    await resolveStore(flags, { parallelism: plan.concurrency, logger }),
    plan.bucket,
    logger,
    AbortSignal.timeout(30_000),
  );
  if (store.endpoint) plan.identity.endpoint = store.endpoint;
  if (plan.noClobber && store.preset.conditionalWrites !== true) {
    throw new UsageError(
      `--no-clobber needs conditional writes (If-None-Match: *), which s3mpu does not know ${store.preset.title} (preset ${store.preset.name}) to honour; drop --no-clobber, or pass --provider if the store is one that does (docs/providers.md).`,
    );
  }
  const checksum = checksumChoice(str(flags, "checksum-algorithm"), store.preset);
  const objectFlags = await objectOptionsFromFlags(flags, "");
  const guess = str(flags, "content-type") === undefined && flags["no-guess-mime-type"] !== true;
  const guessType = guess ? await contentTypeGuesser() : undefined;
  const optioned = withUploadOptions(store.backend, { requestOptions: objectFlags.requestOptions });
  const backend = plan.noClobber ? withNoClobber(optioned) : optioned;
  if (plan.stateDirDefaulted) {
    logger.info(`Job state under ${plan.stateDir} (--state-dir to choose).`);
  }
  const excludeDirs: string[] = [];
  const realState = await Deno.realPath(plan.stateDir).catch(() => plan.stateDir);
  if (isInside(realState, plan.realRoot)) {
    excludeDirs.push(realState);
    logger.info(
      `The state directory ${plan.stateDir} is inside ${plan.root}: it is left out of the upload.`,
    );
  }
  const existed = await Deno.stat(join(plan.stateDir, "jobs", await jobIdOf(plan.identity)))
    .then(() => true, () => false);
  const dir = await JobDir.open(plan.stateDir, plan.identity);
  const stop = onStopSignals(logger, { json: flags.json === true });
  let removeJob = false;
  try {
    logger.verbose(`Job ${dir.jobId}: ${dir.path}.`);
    const run = await JobRun.start(dir, {
      walk: startSource({
        root: plan.root,
        prefix: plan.prefix,
        filter: plan.filter,
        followSymlinks: plan.followSymlinks,
        excludeDirs,
        ...(plan.filesFrom !== undefined ? { filesFrom: plan.filesFrom } : {}),
        onEntry: (event) => onEntry(event, outcomes, logger),
      }),
      compare: comparePaths,
      force: plan.force,
      onWarning: (message) => logger.warn(message),
    });
    logger.verbose(run.summary.note);
    const partSize = plan.requestedPartSize ?? store.preset.recommendedPartSize ??
      DEFAULT_PART_SIZE;
    const end = await uploadTree({
      run,
      stateName: dir.path,
      root: plan.root,
      bucket: plan.bucket,
      prefix: plan.prefix,
      multipartThreshold: plan.multipartThreshold ?? partSize,
      concurrency: plan.concurrency,
      threads: plan.threads,
      ...(plan.requestedPartSize !== undefined
        ? { requestedPartSize: plan.requestedPartSize }
        : {}),
      checksumAlgorithm: checksum.checksumAlgorithm,
      checksumChosen: checksum.checksumChosen,
      rules: {
        preferredPartSize: store.preset.recommendedPartSize,
        ...(checksum.checksumType ? { checksumType: checksum.checksumType } : {}),
        etagIsMd5: store.preset.etagIsMd5,
        provider: store.preset.name,
        endpoint: store.endpoint,
        region: store.region,
      },
      readBack: flags["no-read-back"] !== true,
      backend,
      retry: store.retry,
      pacer: store.pacer,
      logger,
      stopSignal: stop.signal,
      stopGraceMs: 5_000,
      scheduler: new Scheduler({ requestSlots: plan.concurrency, rate: plan.rate }),
      putBudget: new Scheduler({
        requestSlots: plan.concurrency,
        bytesInFlight: PUT_BYTES_IN_FLIGHT,
      }),
      optionsFor: (relPath) => optionsFor(objectFlags, guessType ? guessType(relPath) : undefined),
      // A tree restarts a file by itself (docs/trees.md): a remedy is the same command.
      describe: (error) => wordOut(error.wording, TREE_REMEDY_WORDS).split("\n")[0],
      outcomes,
      events: progress,
    }).catch((error) => {
      // The walk's order is the job's: a list out of it cannot be merged (docs/trees.md).
      if (error instanceof Error && error.message.startsWith("The walk is out of order")) {
        throw new UsageError(
          `${
            error.message.replace(/\.$/, "")
          }: --files-from must list paths in path order; sort the list as docs/trees.md shows.`,
        );
      }
      throw error;
    });
    if (end.jobError) {
      removeJob = !existed && outcomes.uploaded === 0;
      throw end.jobError;
    }
    const summary = run.summary;
    const symlinks = outcomes.left["symlink"] ?? 0;
    if (symlinks > 0) {
      logger.info(
        `${symlinks} symbolic links were skipped (--follow-symlinks follows them; -v names them).`,
      );
    }
    if (outcomes.exists > 0) {
      logger.info(
        `${outcomes.exists} files were left as they are: their keys already hold objects (--no-clobber).`,
      );
    }
    const exitCode = outcomes.exitCode(end.interrupted);
    const leftOut = Object.values(outcomes.left).reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - started) / 1000;
    const skipped = summary.inherited + summary.outcomes.skipped;
    logger.info(
      `${
        exitCode === ExitCode.ok ? "Done" : end.interrupted ? "Stopped" : "Finished with failures"
      }: ${outcomes.uploaded} files uploaded (${outcomes.uploadedBytes} bytes), ${skipped} unchanged, ${outcomes.failed} failed, ${leftOut} left out, ${
        seconds.toFixed(1)
      } s; job state in ${dir.path}.`,
    );
    return {
      exitCode,
      json: {
        files: summary.files,
        uploaded: outcomes.uploaded,
        skipped,
        exists: outcomes.exists,
        failed: outcomes.failed,
        leftOut,
        bytes: outcomes.uploadedBytes,
        seconds,
        interrupted: end.interrupted,
        failures: outcomes.failures.map((f) => ({ ...f, message: cliText(f.message) })),
        stateDir: dir.path,
        bucket: plan.bucket,
        prefix: plan.prefix,
      },
    };
  } finally {
    stop.dispose();
    backend.close();
    await dir.release();
    if (removeJob) await Deno.remove(dir.path, { recursive: true }).catch(() => {});
  }
}

/** A walk's skip or failure: counted, and said in one line (links only with -v). */
function onEntry(
  event: TreeSkip | TreeFailure,
  outcomes: TreeOutcomes,
  logger: ReturnType<typeof createLogger>,
): void {
  if (event.kind === "skip") {
    outcomes.leaveOut(event.reason);
    if (event.reason === "symlink") logger.verbose(event.message);
    else logger.warn(event.message);
    return;
  }
  const exitCode = event.reason === "vanished" ? ExitCode.resumable : ExitCode.usage;
  outcomes.fail({ path: event.relPath, code: event.reason, exitCode, message: event.message });
  logger.warn(event.message);
}

/** One file's object options: the run's, with the content type guessed from its name. */
function optionsFor(base: ParsedObjectFlags, guessed: string | undefined) {
  if (!guessed) {
    return {
      ...(base.objectOptions ? { objectOptions: base.objectOptions } : {}),
      ...(base.recorded ? { recorded: base.recorded } : {}),
    };
  }
  return {
    objectOptions: { ...base.objectOptions, contentType: guessed },
    recorded: { ...base.recorded, contentType: guessed, contentTypeGuessed: true },
  };
}
