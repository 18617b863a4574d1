/**
 * `s3mpu verify DIR s3://BUCKET/PREFIX/`: every file of the tree, walked with the upload's
 * filters, against the object at PREFIX + its path, with the single-file verdicts
 * (inspect/verify_object.ts), a bounded number in flight. Exit 0 all the same, 1 some differ
 * or are missing, 5 some undecided and none differ.
 *
 * @module
 */
import { withUploadOptions } from "../../backends/with_upload_options.ts";
import type { Backend } from "../../backends/types.ts";
import { ExitCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type Verdict, verifyByDownload, verifyObject } from "../inspect/verify_object.ts";
import { filesFrom } from "../plan/files_from.ts";
import { openFileSource } from "../plan/part_source.ts";
import { isInside } from "../plan/path_order.ts";
import { SourceChangedError } from "../plan/source_identity.ts";
import type { TreeEvent } from "../plan/tree_events.ts";
import { walkTree } from "../plan/tree_walk.ts";
import { type CommandOutcome, printReport } from "./command.ts";
import { sseCustomerFromFlags } from "./object_flags.ts";
import { type Flags, type OptionSpec, str } from "./parse.ts";
import { detectedStore } from "./store_detection.ts";
import type { TreePlan } from "./tree_options.ts";
import { treeTarget } from "./tree_target.ts";
import { storeError, withStore } from "./with_store.ts";

/** Files verified at once by default (each is a HeadObject, then a read of the file). */
export const DEFAULT_VERIFY_CONCURRENCY = 16;
/** How many results other than "same" the --json object lists. */
const RESULTS_LISTED = 100;

/** One file's outcome: a verdict, or "missing" (no such object). */
type TreeResult = "same" | "different" | "missing" | "undecided";

/** A file whose object is not proved the same. */
interface NotSame {
  path: string;
  key: string;
  result: Exclude<TreeResult, "same">;
  method: Verdict["method"];
  reason: string;
}

/** Verifies the tree the flags name; the exit code is 1, else 5, else 0 (see the module). */
export async function runTreeVerify(
  flags: Flags,
  logger: Logger,
  args: string[],
  specs: OptionSpec[],
  exitCodes: { mismatch: number; undecided: number },
): Promise<CommandOutcome> {
  const given = str(flags, "concurrency");
  const target = await treeTarget(flags, args, specs, logger, DEFAULT_VERIFY_CONCURRENCY);
  const concurrency = given === undefined ? DEFAULT_VERIFY_CONCURRENCY : target.plan.concurrency;
  const { plan } = target;
  const requestOptions = await sseCustomerFromFlags(flags);
  // Without --provider, a store by address is asked what it is: its preset says what proves.
  const { store } = await detectedStore(
    target.store,
    plan.bucket,
    logger,
    AbortSignal.timeout(30_000),
  );
  const counts = { files: 0, same: 0, different: 0, missing: 0, undecided: 0 };
  const results: NotSame[] = [];
  const onResult = (item: NotSame | "same" | undefined) => {
    if (item === undefined) return; // not a file: a link left out, or the walk's end
    counts.files++;
    if (item === "same") {
      counts.same++;
      return;
    }
    counts[item.result]++;
    if (results.length < RESULTS_LISTED) results.push(item);
    const word = { different: "Mismatch", missing: "Missing", undecided: "Undecided" };
    printReport(flags, `${word[item.result]}: ${item.reason}`);
  };
  await withStore(store, logger, async ({ backend }, signal) => {
    const check = fileChecker({
      backend: withUploadOptions(backend, { requestOptions }),
      plan,
      download: flags.download === true,
      limits: store.preset.limits,
      etagIsMd5: store.preset.etagIsMd5,
      signal,
    });
    let nextReport = performance.now() + 10_000;
    await forEachBounded(walk(plan, await excludedStateDir(plan)), concurrency, async (event) => {
      onResult(await check(event));
      if (performance.now() < nextReport) return;
      nextReport = performance.now() + 10_000;
      logger.info(`Verified ${counts.files} files so far.`);
    });
  }, { json: flags.json === true });
  const exitCode = counts.different + counts.missing > 0
    ? exitCodes.mismatch
    : counts.undecided > 0
    ? exitCodes.undecided
    : ExitCode.ok;
  printReport(
    flags,
    `${
      exitCode === ExitCode.ok
        ? "Match"
        : exitCode === exitCodes.mismatch
        ? "Mismatch"
        : "Undecided"
    }: ${counts.files} files under s3://${plan.bucket}/${plan.prefix}: ${counts.same} the same, ${counts.different} different, ${counts.missing} missing, ${counts.undecided} undecided${
      counts.undecided > 0 && flags.download !== true ? " (--download decides them)" : ""
    }.`,
  );
  return {
    exitCode,
    json: {
      bucket: plan.bucket,
      prefix: plan.prefix,
      provider: store.preset.name,
      ...counts,
      results,
    },
  };
}

/** The state directory when it is inside DIR: left out of the walk, as the upload leaves it. */
async function excludedStateDir(plan: TreePlan): Promise<string[]> {
  const realState = await Deno.realPath(plan.stateDir).catch(() => plan.stateDir);
  return isInside(realState, plan.realRoot) ? [realState] : [];
}

/** The files of the tree, and its failures (a name not UTF-8...), in walk order. */
async function* walk(plan: TreePlan, excludeDirs: string[]): AsyncGenerator<TreeEvent> {
  const options = {
    root: plan.root,
    prefix: plan.prefix,
    filter: plan.filter,
    followSymlinks: plan.followSymlinks,
    excludeDirs,
  };
  yield* plan.filesFrom !== undefined
    ? filesFrom({ ...options, list: plan.filesFrom })
    : walkTree(options);
}

/** How one event of the walk is checked: "same" when proved so, undefined when no file. */
function fileChecker(ctx: {
  backend: Backend;
  plan: TreePlan;
  download: boolean;
  limits: import("../../backends/types.ts").BackendLimits;
  etagIsMd5: boolean;
  signal: AbortSignal;
}): (event: TreeEvent) => Promise<NotSame | "same" | undefined> {
  const { plan } = ctx;
  return async (event) => {
    if (event.kind === "done" || event.kind === "skip") return undefined;
    const key = plan.prefix + event.relPath;
    // Reasons name the object, as the verdicts' messages do.
    const undecided = (why: string): NotSame => ({
      path: event.relPath,
      key,
      result: "undecided",
      method: "none",
      reason: `s3://${plan.bucket}/${key} was not checked: ${why}`,
    });
    if (event.kind === "failure") return undecided(event.message);
    let source;
    try {
      source = await openFileSource(event.absPath);
    } catch (error) {
      return undecided(`cannot read ${event.absPath} (${(error as Error).message}).`);
    }
    const request = {
      backend: ctx.backend,
      ref: { bucket: plan.bucket, key },
      source,
      file: event.absPath,
      ...(plan.requestedPartSize !== undefined
        ? { requestedPartSize: plan.requestedPartSize }
        : {}),
      limits: ctx.limits,
      etagIsMd5: ctx.etagIsMd5,
      signal: ctx.signal,
    };
    let verdict: Verdict;
    try {
      verdict = ctx.download ? await verifyByDownload(request) : await verifyObject(request);
    } catch (error) {
      if (error instanceof SourceChangedError) {
        return undecided(
          `${event.absPath} changed while verify read it; run again once it is left alone.`,
        );
      }
      throw storeError(error, `read s3://${plan.bucket}/${key}`);
    }
    if (verdict.result === "same") return "same";
    return {
      path: event.relPath,
      key,
      result: verdict.method === "exists" ? "missing" : verdict.result,
      method: verdict.method,
      reason: verdict.message.replace(/^(Mismatch|Undecided): /, ""),
    };
  };
}

/** Runs `use` on every item of `items`, at most `limit` at once; the first failure stops all. */
async function forEachBounded<T>(
  items: AsyncIterable<T>,
  limit: number,
  use: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  let failed = false;
  const worker = async () => {
    while (!failed) {
      const next = await iterator.next();
      if (next.done) return;
      try {
        await use(next.value);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: limit }, worker);
  const settled = await Promise.allSettled(workers);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (rejected) throw rejected.reason;
}
