/**
 * A tree job's state read without taking it over: for `status` (which never writes) and for
 * `abort` (which holds the lock while it reads). It finds the job directory a command's
 * identity names, says whether a run holds its lock, and sums up its generations' journals:
 * files done, failed and left, bytes, the multipart uploads in flight and those given up. The
 * journal format is docs/tree-state.md; the rules of the valid prefix are job_scan.ts's.
 *
 * @module
 */
import { join } from "node:path";
import { FileStatus, isSettled } from "./file_status.ts";
import { generationsIn, type JobFile, type JobIdentity, jobIdOf, journalIn } from "./job_dir.ts";
import { parseRecord, type WalkCursor } from "./job_records.ts";
import { type GenerationScan, scanGeneration } from "./job_scan.ts";
import { journalLines } from "./journal_lines.ts";

/** How many failures a view names (the rest are counted). */
export const FAILURES_NAMED = 10;

/** A multipart upload the journal records as open. */
export interface OpenUploadView {
  /** The file's path relative to DIR (the key is the job's prefix followed by it). */
  path: string;
  uploadId: string;
  partsJournaled: number;
  bytesJournaled: number;
  partSize: number;
  /** CompleteMultipartUpload was sent (the object may be stored already). */
  completing: boolean;
}

/** A file that failed in the generation's last run. */
export interface FailureView {
  path: string;
  code: string;
  exitCode: number;
  message: string;
}

/** One generation's journal, summed up. */
export interface GenerationView {
  generation: number;
  baseline: number | null;
  forced: boolean;
  walkComplete: boolean;
  /** A run gave every file an outcome. */
  ended: boolean;
  /** The walk's cursor (where a continued walk goes on), when it is not complete. */
  cursor: WalkCursor | null;
  files: { found: number; done: number; skipped: number; failed: number; left: number };
  /** Sizes of the files found, and of those settled plus the parts journaled of open uploads. */
  bytes: { total: number; done: number };
  /** The first {@link FAILURES_NAMED} failures, in walk order. */
  failures: FailureView[];
  /** Open uploads of files not settled. */
  inFlight: OpenUploadView[];
  /** Uploads given up (file changed or gone) and not yet aborted. */
  abandoned: Array<{ path: string; uploadId: string }>;
  /** Bytes after the valid prefix (a torn write), ignored. */
  cutBytes: number;
}

/** Where a command's identity puts its job, and whether it exists. */
export async function findJob(
  stateDir: string,
  identity: JobIdentity,
): Promise<{ jobId: string; path: string; job?: JobFile }> {
  const jobId = await jobIdOf(identity);
  const path = join(stateDir, "jobs", jobId);
  const text = await Deno.readTextFile(join(path, "job.json")).catch(() => undefined);
  if (text === undefined) return { jobId, path };
  try {
    return { jobId, path, job: JSON.parse(text) as JobFile };
  } catch {
    return { jobId, path, job: { formatVersion: 0, jobId, identity, createdAt: "" } };
  }
}

/**
 * The pid of the run holding the job's lock, `0` when the holder wrote none, undefined when
 * no run holds it. Nothing is written and no lock is taken where the OS lists its locks
 * (Linux: /proc/locks); elsewhere a shared lock is taken and dropped at once on the lock file
 * opened read only. A killed run's lock file (the OS released its lock) counts as free.
 */
export async function lockHolder(jobPath: string): Promise<number | undefined> {
  const path = join(jobPath, "job.json.lock");
  const info = await Deno.stat(path).catch(() => undefined);
  if (!info) return undefined; // no lock file: no run
  const listed = await Deno.readTextFile("/proc/locks").catch(() => undefined);
  const held = listed === undefined ? await triedLock(path) : lockedIn(listed, info);
  if (!held) return undefined;
  const text = await Deno.readTextFile(path).catch(() => "");
  return Number(/^(\d+)/.exec(text)?.[1] ?? 0);
}

/** Whether /proc/locks lists a lock on the file (device major:minor and inode, in hex). */
function lockedIn(listed: string, info: Deno.FileInfo): boolean {
  const dev = info.dev;
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  const id = `${major.toString(16).padStart(2, "0")}:${
    minor.toString(16).padStart(2, "0")
  }:${info.ino}`;
  return listed.split("\n").some((line) => line.split(/\s+/).includes(id));
}

async function triedLock(path: string): Promise<boolean> {
  const file = await Deno.open(path, { read: true }).catch(() => undefined);
  if (!file) return false;
  try {
    if (!(await file.tryLock(false))) return true;
    await file.unlock();
    return false;
  } finally {
    file.close();
  }
}

/** The job's generations, newest first, each with a valid header (the others are ignored). */
export async function readGenerations(jobPath: string): Promise<GenerationView[]> {
  const views: GenerationView[] = [];
  const generations = await generationsIn(jobPath).catch(() => []);
  for (const generation of generations.reverse()) {
    const path = journalIn(jobPath, generation);
    const scan = await scanGeneration(path);
    if (scan && scan.generation === generation) views.push(await viewOf(path, scan));
  }
  return views;
}

/** Pass 2 over the scanned prefix: sizes, the failed files' reasons, the open uploads' paths. */
async function viewOf(path: string, scan: GenerationScan): Promise<GenerationView> {
  const failedIds = new Set<number>();
  for (let id = 0; id < scan.fileCount && failedIds.size < FAILURES_NAMED; id++) {
    if (scan.status.get(id) === FileStatus.failed) failedIds.add(id);
  }
  const paths = new Map<number, string>();
  const reasons = new Map<number, Omit<FailureView, "path">>();
  let total = 0;
  let done = 0;
  for await (const batch of journalLines(path, scan.validLength)) {
    for (const line of batch) {
      if (line.text === undefined) continue;
      const isFile = line.text.includes('"t":"f"');
      if (!isFile && !line.text.includes('"t":"e"')) continue;
      const record = parseRecord(line.text);
      if (record?.t === "f") {
        total += record.s;
        if (isSettled(scan.status.get(record.i))) done += record.s;
        if (failedIds.has(record.i) || scan.inFlight.has(record.i)) paths.set(record.i, record.p);
      } else if (record?.t === "e" && failedIds.has(record.i)) {
        reasons.set(record.i, { code: record.code, exitCode: record.x, message: record.msg });
      }
    }
  }
  const inFlight: OpenUploadView[] = [...scan.inFlight].map(([id, open]) => {
    const parts = [...open.parts.values()];
    return {
      path: paths.get(id) ?? `#${id}`,
      uploadId: open.upload.u,
      partsJournaled: parts.length,
      bytesJournaled: parts.reduce((n, p) => n + (p.z ?? open.upload.z), 0),
      partSize: open.upload.z,
      completing: open.completing !== undefined,
    };
  });
  const counts = scan.status.counts();
  const failed = counts[FileStatus.failed];
  return {
    generation: scan.generation,
    baseline: scan.baseline ?? null,
    forced: scan.forced,
    walkComplete: scan.walkComplete,
    ended: scan.ended,
    cursor: scan.walkComplete ? null : scan.cursor ?? null,
    files: {
      found: scan.fileCount,
      done: counts[FileStatus.done],
      skipped: counts[FileStatus.skipped],
      failed,
      left: scan.fileCount - counts[FileStatus.done] - counts[FileStatus.skipped] - failed,
    },
    bytes: { total, done: done + inFlight.reduce((n, u) => n + u.bytesJournaled, 0) },
    failures: [...failedIds].map((id) => ({
      path: paths.get(id) ?? `#${id}`,
      ...(reasons.get(id) ?? { code: "unknown", exitCode: 3, message: "" }),
    })),
    inFlight,
    abandoned: [...scan.abandoned.values()].map((a) => ({ path: a.p, uploadId: a.u })),
    cutBytes: scan.cutBytes,
  };
}

/**
 * What the next run of the same command does with the newest generation (the rules of
 * job_generation.ts's planRun), in one sentence.
 */
export function nextRunText(newest: GenerationView | undefined): string {
  if (!newest) return "The next run walks the tree and uploads every file.";
  const { files, inFlight, abandoned } = newest;
  const unsettled = files.left + files.failed;
  const resumed = inFlight.length > 0
    ? ` (${inFlight.length} multipart uploads resumed part by part)`
    : "";
  const aborts = abandoned.length > 0
    ? ` It aborts the ${abandoned.length} uploads given up at the end.`
    : "";
  if (!newest.walkComplete) {
    return `The next run continues generation ${newest.generation}: its ${unsettled} unsettled files${resumed}, then the walk${
      newest.cursor === null ? "" : ` after ${JSON.stringify(newest.cursor)}`
    }.${aborts}`;
  }
  if (newest.ended || unsettled === 0) {
    return `The next run walks the tree afresh and uploads only new or changed files${
      files.failed > 0 ? `, and the ${files.failed} that failed` : ""
    }.${aborts}`;
  }
  return `The next run continues generation ${newest.generation}: its ${unsettled} unsettled files${resumed}, no walk.${aborts}`;
}
