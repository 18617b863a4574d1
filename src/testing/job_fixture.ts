import { JobDir, type JobIdentity } from "../state/job_dir.ts";
import type { FileStat, WalkCursor } from "../state/job_records.ts";
import { JobRun, type RunOptions, type WorkItem } from "../state/job_run.ts";
import type { WalkEvent } from "../state/job_walk.ts";

/** Compares paths component by component (a depth-first walk's order: "a/b" before "a-b"). */
export function comparePaths(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    if (x[k] !== y[k]) return x[k] < y[k] ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * A tree of files in memory for job tests: its walk yields files in path order after a
 * cursor, its statFile answers like lstat. `walks` counts how often a walk was started.
 */
export class FakeTree {
  readonly files = new Map<string, FileStat>();
  walks = 0;
  #ino = 1000;

  /** A tree of `paths`, each of `size` bytes unless a size is given after a colon ("a:300"). */
  static of(...paths: string[]): FakeTree {
    const tree = new FakeTree();
    for (const spec of paths) {
      const [path, size] = spec.split(":");
      tree.add(path, Number(size ?? 10));
    }
    return tree;
  }

  add(path: string, size = 10): void {
    this.files.set(path, { size, mtimeMs: 1_000, ctimeMs: 1_000, ino: this.#ino++ });
  }

  /** Changes one field of a file's stat. */
  change(path: string, field: keyof FileStat): void {
    const stat = this.files.get(path)!;
    this.files.set(path, { ...stat, [field]: stat[field] + 1 });
  }

  /** The walk, in path order, starting after `after` (a path). */
  walk = (after: WalkCursor | undefined): AsyncIterable<WalkEvent> => {
    this.walks++;
    const paths = [...this.files.keys()].sort(comparePaths)
      .filter((p) => after === undefined || comparePaths(p, String(after)) > 0);
    const files = this.files;
    return (async function* () {
      for (const path of paths) yield { relPath: path, cursor: path, ...files.get(path)! };
    })();
  };

  statFile = (relPath: string): Promise<FileStat | undefined> =>
    Promise.resolve(this.files.get(relPath));
}

/** What the simulated uploader sent in one run. */
export interface Sent {
  /** Paths handed out, in order. */
  items: WorkItem[];
  /** Parts sent, as "path#partNumber@uploadId". */
  parts: string[];
  /** Paths completed. */
  done: string[];
}

/** Parts of a simulated object: one per 100 bytes; over 100 bytes is a multipart upload. */
export const PART_BYTES = 100;

let uploadCounter = 0;

/**
 * Uploads every work item as the engine would through its object view: a multipart object
 * reads its recorded upload and parts, creates one if none, sends only missing parts,
 * marks completing, finishes; `fail` picks items that fail instead.
 */
export async function uploadAll(
  run: JobRun,
  options: { fail?: (item: WorkItem) => boolean; concurrency?: number } = {},
): Promise<Sent> {
  const sent: Sent = { items: [], parts: [], done: [] };
  const inFlight = new Set<Promise<void>>();
  for await (const item of run.work()) {
    sent.items.push(item);
    const task = uploadOne(item, sent, options.fail).finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= (options.concurrency ?? 3)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return sent;
}

async function uploadOne(
  item: WorkItem,
  sent: Sent,
  fail?: (item: WorkItem) => boolean,
): Promise<void> {
  const { object, stat, relPath } = item;
  if (fail?.(item)) {
    await object.fail({ code: "test_failure", exitCode: 3, message: `${relPath} failed` });
    return;
  }
  if (stat.size > PART_BYTES) {
    let meta = object.readMeta();
    if (!meta) {
      meta = {
        bucket: "b",
        key: item.key,
        uploadId: `up${++uploadCounter}`,
        splitSize: PART_BYTES,
        checksumAlgorithm: "crc32",
        checksumType: "FULL_OBJECT",
        createdAt: new Date().toISOString(),
      };
      await object.writeMeta(meta);
    }
    const done = object.readParts(meta.uploadId);
    for (let n = 1; n <= Math.ceil(stat.size / PART_BYTES); n++) {
      if (done.has(n)) continue;
      sent.parts.push(`${relPath}#${n}@${meta.uploadId}`);
      await object.appendPart({ eTag: `e${n}`, partNumber: n, uploadId: meta.uploadId });
    }
    await object.writeMeta({ ...meta, completing: { startedAt: new Date().toISOString() } });
  }
  await object.finish({ eTag: `etag-${relPath}`, proof: "test" });
  sent.done.push(relPath);
}

/** How a test run is opened: run options over the fixture's, and the job's identity. */
export type TestRunOptions = Partial<RunOptions> & { identity?: JobIdentity };

/**
 * Opens the job in `stateDir` and starts a run on `tree` (its walk and stat, no fsync), hands
 * the run to `use`, then closes the run and releases the job whatever happened.
 */
export async function withRun<T>(
  stateDir: string,
  tree: FakeTree,
  use: (run: JobRun) => Promise<T>,
  options: TestRunOptions = {},
): Promise<T> {
  const { identity = TEST_IDENTITY, ...runOptions } = options;
  const dir = await JobDir.open(stateDir, identity);
  try {
    const run = await JobRun.start(dir, {
      walk: tree.walk,
      compare: comparePaths,
      statFile: tree.statFile,
      writer: { fsync: false },
      ...runOptions,
    });
    try {
      return await use(run);
    } finally {
      await run.close();
    }
  } finally {
    await dir.release();
  }
}

/** Runs the job once with the simulated uploader (see {@link uploadAll}). */
export function runJob(
  stateDir: string,
  tree: FakeTree,
  options: TestRunOptions & { fail?: (item: WorkItem) => boolean } = {},
): Promise<Sent & { run: JobRun }> {
  const { fail, ...runOptions } = options;
  return withRun(stateDir, tree, async (run) => {
    const sent = await uploadAll(run, fail ? { fail } : {});
    return { ...sent, run };
  }, runOptions);
}

/** The identity every job test uses. */
export const TEST_IDENTITY: JobIdentity = {
  source: "/data/tree",
  bucket: "b",
  prefix: "p/",
  endpoint: "http://127.0.0.1:9000",
  filters: [],
};
