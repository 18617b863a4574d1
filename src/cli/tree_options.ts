/**
 * The options only a directory upload takes (`s3mpu upload DIR s3://BUCKET/PREFIX/`) and
 * their reading into one checked {@link TreePlan}: the tree, the destination, the filters in
 * the order given, the budget, and where the job's state goes. See docs/trees.md.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { MAX_RATE, MIN_RATE, TokenBucket } from "../../backends/rate_limit.ts";
import { UsageError } from "../errors.ts";
import { isInside } from "../plan/path_order.ts";
import { directoryPrefix } from "../plan/tree_keys.ts";
import {
  checkFilters,
  compileFilters,
  type FilterRule,
  type TreeFilter,
} from "../plan/tree_filters.ts";
import { treeStateDir } from "../state/state_location.ts";
import type { JobIdentity } from "../state/job_dir.ts";
import { type Flags, type OptionSpec, str } from "./parse.ts";
import { parseS3Url } from "./s3_url.ts";
import { TYPED_URL } from "./as_typed.ts";
import { parseByteSize, parseIntIn, parseRate } from "./values.ts";

/** Requests in flight over all files and parts by default (docs/trees.md "The budget"). */
export const DEFAULT_CONCURRENCY = 64;
const MAX_CONCURRENCY = 1024;
const DEFAULT_THREADS = 4;
const MAX_THREADS = 64;
/** Bytes of small files read into memory at once. */
export const PUT_BYTES_IN_FLIGHT = 256 * 1024 * 1024;
/** PutObject's limit on S3. */
const MAX_PUT = 5 * 1024 * 1024 * 1024;

/** The options of `s3mpu upload` that apply to a directory only. */
export const TREE_OPTIONS: OptionSpec[] = [
  {
    long: "recursive",
    type: "boolean",
    help: "Accepted for aws-cli habits: a directory is always uploaded whole (its tree).",
  },
  {
    long: "concurrency",
    type: "string",
    value: "N",
    help:
      `Directory upload: requests in flight at once over all files and parts, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY}). -t still caps the parts of each large file.`,
  },
  {
    long: "multipart-threshold",
    type: "string",
    value: "SIZE",
    help:
      "Directory upload: files of at least SIZE go by multipart upload, smaller ones in one PutObject (default: the part size, 16 MiB unless -s).",
  },
  {
    long: "exclude",
    type: "string",
    value: "GLOB",
    multiple: true,
    help:
      "Directory upload: leave out files whose path relative to DIR matches GLOB (aws-cli's rules: * matches / too; filters apply in order, the last match wins). Repeatable.",
  },
  {
    long: "include",
    type: "string",
    value: "GLOB",
    multiple: true,
    help: "Directory upload: take back files matching GLOB after an --exclude. Repeatable.",
  },
  {
    long: "files-from",
    type: "string",
    value: "FILE",
    help:
      "Directory upload: upload only the files FILE lists, one path per line relative to DIR (- for stdin), in path order (docs/trees.md).",
  },
  {
    long: "follow-symlinks",
    type: "boolean",
    help:
      "Directory upload: follow symbolic links (loops are detected). Default: each link is skipped.",
  },
  {
    long: "no-clobber",
    type: "boolean",
    help:
      "Directory upload: never overwrite an object: a file whose key already holds one is left out (counted as exists). Needs a store that honours If-None-Match (docs/trees.md).",
  },
  {
    long: "force",
    type: "boolean",
    help:
      "Directory upload: send every file again, even those an earlier run stored and that did not change.",
  },
];

/** The long names of {@link TREE_OPTIONS}. */
export const TREE_ONLY = TREE_OPTIONS.map((o) => o.long);

/** What one directory upload asks for, checked. */
export interface TreePlan {
  /** DIR as given, and its real path (the job's identity). */
  root: string;
  realRoot: string;
  bucket: string;
  prefix: string;
  filterRules: FilterRule[];
  filter: TreeFilter;
  filesFrom?: string;
  followSymlinks: boolean;
  concurrency: number;
  threads: number;
  requestedPartSize?: number;
  multipartThreshold?: number;
  force: boolean;
  /** --no-clobber: every write is conditional (If-None-Match: *); a key taken is left. */
  noClobber: boolean;
  stateDir: string;
  stateDirDefaulted: boolean;
  rate?: TokenBucket;
  identity: JobIdentity;
}

/** Flags a directory upload cannot use, and what to use instead. */
const NOT_FOR_TREES: Array<[string, string]> = [
  ["meta-file-path", "its state is one job directory under --state-dir"],
  ["parts-file-path", "its state is one job directory under --state-dir"],
  ["restart", "use --force to send every file again"],
  ["dir-path", "-d is for a directory of chunks of one object"],
  ["prefix", "the destination's PREFIX is in s3://BUCKET/PREFIX/"],
];

/**
 * Reads a directory upload's flags. `args` are the command's raw arguments: the filters'
 * order (later ones win) is theirs. The caller adds the store's endpoint to the identity.
 */
export async function readTreePlan(
  flags: Flags,
  args: string[],
  specs: OptionSpec[],
): Promise<TreePlan> {
  const root = str(flags, "file-path")!;
  const url = typeof flags[TYPED_URL] === "string" ? parseS3Url(flags[TYPED_URL]) : undefined;
  if (!url) {
    throw new UsageError(
      `${root} is a directory; upload a tree as s3mpu upload ${root} s3://BUCKET/PREFIX/ (-b/-k name one object).`,
    );
  }
  for (const [flag, why] of NOT_FOR_TREES) {
    if (flags[flag] !== undefined && flags[flag] !== false) {
      throw new UsageError(`--${flag} does not apply to a directory upload: ${why}.`);
    }
  }
  const filterRules = filterRulesOf(args, specs);
  checkFilters(filterRules);
  const concurrency = parseIntIn(
    "--concurrency",
    str(flags, "concurrency") ?? `${DEFAULT_CONCURRENCY}`,
    1,
    MAX_CONCURRENCY,
  );
  const threads = parseIntIn(
    "-t/--thread-count",
    str(flags, "thread-count") ?? `${DEFAULT_THREADS}`,
    1,
    MAX_THREADS,
  );
  const split = str(flags, "split-size");
  const threshold = str(flags, "multipart-threshold");
  const multipartThreshold = threshold === undefined
    ? undefined
    : parseByteSize("--multipart-threshold", threshold);
  if (
    multipartThreshold !== undefined && (multipartThreshold < 1 || multipartThreshold > MAX_PUT)
  ) {
    throw new UsageError("--multipart-threshold must be from 1 byte to 5GiB (PutObject's limit).");
  }
  const rateText = str(flags, "limit-rate");
  const rate = rateText === undefined ? undefined : parseRate("--limit-rate", rateText, {
    minBytes: MIN_RATE,
    maxBytes: MAX_RATE,
  });
  const realRoot = await Deno.realPath(root).catch((error) => {
    throw new UsageError(
      `Cannot read ${root} (${(error as Error).message}); name an existing directory.`,
    );
  });
  const state = await treeStateDir(str(flags, "state-dir"));
  const jobs = resolve(state.dir, "jobs");
  const realJobs = await Deno.realPath(jobs).catch(() => jobs);
  if (isInside(realRoot, realJobs) || realRoot === realJobs) {
    throw new UsageError(
      `${root} is inside the state directory ${state.dir}; upload another directory, or pass another --state-dir.`,
    );
  }
  const prefix = directoryPrefix(url.key);
  const filesFrom = str(flags, "files-from");
  const followSymlinks = flags["follow-symlinks"] === true;
  const filters = filterRules.flatMap((r) => [`--${r.kind}`, r.pattern]);
  return {
    root,
    realRoot,
    bucket: url.bucket,
    prefix,
    filterRules,
    filter: compileFilters(filterRules),
    ...(filesFrom !== undefined ? { filesFrom } : {}),
    followSymlinks,
    concurrency,
    threads,
    ...(split !== undefined ? { requestedPartSize: parseByteSize("-s/--split-size", split) } : {}),
    ...(multipartThreshold !== undefined ? { multipartThreshold } : {}),
    force: flags.force === true,
    noClobber: flags["no-clobber"] === true,
    stateDir: state.dir,
    stateDirDefaulted: state.defaulted,
    ...(rate !== undefined ? { rate: new TokenBucket(rate) } : {}),
    identity: {
      source: realRoot,
      bucket: url.bucket,
      prefix,
      filters,
      // What the walk reads and follows changes what the job is.
      ...(filesFrom !== undefined ? { filesFrom: resolveList(filesFrom) } : {}),
      ...(followSymlinks ? { followSymlinks } : {}),
    },
  };
}

function resolveList(list: string): string {
  return list === "-" ? "-" : resolve(list);
}

/** The --exclude and --include filters in the order the arguments give them. */
export function filterRulesOf(args: string[], specs: OptionSpec[]): FilterRule[] {
  const options = Object.fromEntries(specs.map((s) => [s.long, {
    type: s.type,
    ...(s.short ? { short: s.short } : {}),
    ...(s.multiple ? { multiple: true } : {}),
  }]));
  const { tokens } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const rules: FilterRule[] = [];
  for (const token of tokens ?? []) {
    if (token.kind !== "option") continue;
    if ((token.name === "exclude" || token.name === "include") && token.value !== undefined) {
      rules.push({ kind: token.name, pattern: token.value });
    }
  }
  return rules;
}
