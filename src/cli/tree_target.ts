/**
 * `status`, `abort` and `verify` of a directory tree (`s3mpu status DIR s3://BUCKET/PREFIX/`):
 * the options they share with the tree upload, and how they find the job the upload made. The
 * job is named by what named it at upload time: DIR's real path, the bucket, the prefix, the
 * endpoint and the filters (docs/tree-state.md "The job directory").
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { JobIdentity } from "../state/job_dir.ts";
import { findJob } from "../state/job_view.ts";
import { resolveStore, type StoreConfig } from "./backend_config.ts";
import type { Flags, OptionSpec } from "./parse.ts";
import { readTreePlan, TREE_OPTIONS, type TreePlan } from "./tree_options.ts";
import { NeedsDecisionError, UsageError } from "../errors.ts";

const FILTERS = ["recursive", "exclude", "include", "files-from", "follow-symlinks"];

/**
 * The tree upload's filter options (--exclude, --include, --files-from, --follow-symlinks),
 * for the commands that name a tree job or walk a tree as the upload did.
 */
export const TREE_FILTER_OPTIONS: OptionSpec[] = TREE_OPTIONS
  .filter((o) => FILTERS.includes(o.long))
  .map((o) => ({ ...o, help: o.help.replace(/^Directory upload: /, "With DIR, as upload: ") }));

/** A command's tree: the upload's plan read from the same flags, with the store it names. */
export interface TreeTarget {
  plan: TreePlan;
  /** The store, resolved but not asked anything; the caller closes its backend. */
  store: StoreConfig;
}

/** Reads DIR, s3://BUCKET/PREFIX/, the filters and --state-dir as the upload reads them. */
export async function treeTarget(
  flags: Flags,
  args: string[],
  specs: OptionSpec[],
  logger: Logger,
  parallelism = 1,
): Promise<TreeTarget> {
  const plan = await readTreePlan(flags, args, specs);
  const store = await resolveStore(flags, { parallelism, logger });
  // The upload adds the endpoint the same way (tree_run.ts): the same command finds the job.
  if (store.endpoint) plan.identity.endpoint = store.endpoint;
  return { plan, store };
}

/** What a job is made of, in the words of a message: DIR, the URL, and the filters. */
export function jobWords(identity: JobIdentity): string {
  const filters = Array.isArray(identity.filters) && identity.filters.length > 0
    ? ` with ${identity.filters.join(" ")}`
    : "";
  return `${identity.source} to s3://${identity.bucket}/${identity.prefix}${filters}`;
}

/**
 * The job directory of an existing job, or an error saying which state dir was looked in and
 * what the job is made of: exit 4 for status (a decision: which job was meant), exit 2 for
 * abort, as a single file's abort with nothing recorded.
 */
export async function existingJob(
  plan: TreePlan,
  missing: "needs-decision" | "usage",
): Promise<{ jobId: string; path: string }> {
  const found = await findJob(plan.stateDir, plan.identity);
  if (!found.job) {
    const message = `No tree job of ${
      jobWords(plan.identity)
    } is recorded in the state directory ${plan.stateDir} (looked for ${found.path}): it never ran with these arguments, was aborted, or ran with another --state-dir, endpoint or filters; pass the upload's own.`;
    throw missing === "usage" ? new UsageError(message) : new NeedsDecisionError(message);
  }
  return found;
}

/** Refuses the tree's filter options for a single file: they only pick files of a tree. */
export function refuseFiltersForFile(flags: Flags, command: string): void {
  const given = FILTERS.find((name) =>
    name !== "recursive" && flags[name] !== undefined && flags[name] !== false
  );
  if (given) {
    throw new UsageError(
      `--${given} applies to a directory tree only (s3mpu ${command} DIR s3://BUCKET/PREFIX/ --${given} ...).`,
    );
  }
}
