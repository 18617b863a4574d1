/**
 * A tree job's run: one journal per job (`<stateDir>/jobs/<jobId>/journal-<g>.jsonl`), written
 * with group commit, read as a stream; a generation per walk of the tree. A run continues an
 * interrupted generation (its unsettled files, then the walk after its cursor) or starts the
 * next one, merging a fresh walk with the last complete generation so only new and changed files
 * are handed out. Memory: a status byte per file and the few open uploads. The format, the
 * generation rules and what the next run does after a kill at each point: docs/tree-state.md.
 *
 * @example
 * ```ts
 * const dir = await JobDir.open(stateDir, { source, bucket, prefix, endpoint, filters });
 * try {
 *   const run = await JobRun.start(dir, { walk, compare });
 *   for await (const item of run.work()) {
 *     // upload item.relPath to item.key through item.object (readMeta, writeMeta,
 *     // appendParts...), then item.object.finish() / skip() / fail()
 *   }
 *   for (const abandoned of run.uploadsToAbort()) {
 *     // abort abandoned.u at prefix + abandoned.p, then:
 *     await run.recordAborted(abandoned.u);
 *   }
 *   await run.close();
 * } finally {
 *   await dir.release();
 * }
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { FileStatus, isSettled } from "./file_status.ts";
import { GroupWriter, type GroupWriterOptions } from "./group_writer.ts";
import type { JobDir } from "./job_dir.ts";
import { planRun, type RunPlan } from "./job_generation.ts";
import { JobObject, type ObjectOutcome } from "./job_object.ts";
import {
  type AbandonRecord,
  encodeRecord,
  type FileRecord,
  type FileStat,
  type JobRecord,
  sameStat,
  statOf,
} from "./job_records.ts";
import { lstatFile, type StartWalk, type WalkFile } from "./job_walk.ts";
import { FileRecordReader, fileRecords, type GenerationScan, type InFlight } from "./job_scan.ts";

/** How a run walks the source and decides what to upload. */
export interface RunOptions {
  /** Starts the walk after `after` (undefined: from the start); files in `compare` order. */
  walk: StartWalk;
  /** The walk's path order (the same for every run of the job). */
  compare: (a: string, b: string) => number;
  /** Upload everything again: nothing is inherited from earlier runs. */
  force?: boolean;
  /** A file's stat now, undefined if it is gone or no regular file (default: lstat). */
  statFile?: (relPath: string) => Promise<FileStat | undefined>;
  /** The object key of a path (default: the identity's prefix plus the path). */
  keyFor?: (relPath: string) => string;
  writer?: GroupWriterOptions;
  onWarning?: (message: string) => void;
}

/** Why a file is handed out: not uploaded before, changed since, or left unfinished. */
export type WorkReason = "new" | "changed" | "unfinished";

/** One file to upload, and its state in the journal. */
export interface WorkItem {
  id: number;
  relPath: string;
  key: string;
  /** Its stat as this run found it. */
  stat: FileStat;
  reason: WorkReason;
  /** The object's journal view; give every item an outcome through it. */
  object: JobObject;
}

/** What a run did, for its summary. */
export interface RunSummary {
  generation: number;
  note: string;
  /** Files of the generation so far. */
  files: number;
  /** Files handed out to upload. */
  handedOut: number;
  /** Files inherited as stored or skipped, not handed out. */
  inherited: number;
  outcomes: Record<ObjectOutcome, number>;
}

const OUTCOME_STATUS = {
  done: FileStatus.done,
  skipped: FileStatus.skipped,
  failed: FileStatus.failed,
} as const;

/** Queued walk records past this many characters wait for a flush (bounded memory). */
const HIGH_WATER_CHARS = 4 << 20;
/** A cursor record after this many passed entries with no file between them. */
const PASSES_PER_CURSOR = 256;

/**
 * One run of a tree job: hands out the files to upload as a stream ({@link work}), writes the
 * walk and every object's records to the generation's journal with group commit, and keeps in
 * memory only a status byte per file and the few open uploads. See docs/tree-state.md.
 */
export class JobRun {
  readonly #dir: JobDir;
  readonly #options: RunOptions;
  readonly #plan: RunPlan;
  readonly #writer: GroupWriter;
  readonly #statFile: (relPath: string) => Promise<FileStat | undefined>;
  readonly #keyFor: (relPath: string) => string;
  #outstanding = 0;
  #exhausted = false;
  readonly #summary: RunSummary;

  private constructor(dir: JobDir, options: RunOptions, plan: RunPlan, writer: GroupWriter) {
    this.#dir = dir;
    this.#options = options;
    this.#plan = plan;
    this.#writer = writer;
    this.#statFile = options.statFile ?? ((p) => lstatFile(join(dir.identity.source, p)));
    this.#keyFor = options.keyFor ?? ((p) => dir.identity.prefix + p);
    this.#summary = {
      generation: plan.current.generation,
      note: plan.note,
      files: plan.current.fileCount,
      handedOut: 0,
      inherited: 0,
      outcomes: { done: 0, skipped: 0, failed: 0 },
    };
  }

  /** Decides the generation (see planRun) and opens its journal for appending. */
  static async start(dir: JobDir, options: RunOptions): Promise<JobRun> {
    const plan = await planRun(dir, options);
    const writer = await GroupWriter.open(
      dir.journalPath(plan.current.generation),
      plan.current.validLength,
      options.writer,
    );
    return new JobRun(dir, options, plan, writer);
  }

  /** What the run did so far. */
  get summary(): Readonly<RunSummary> {
    return { ...this.#summary, files: this.#current.fileCount };
  }

  /**
   * The files to upload, streamed: first the generation's own unsettled files (re-statted: a
   * file gone is skipped, a changed one starts over), then the walk, merged with the baseline
   * so unchanged stored files are inherited and not handed out.
   */
  async *work(): AsyncGenerator<WorkItem> {
    if (this.#plan.continuing) yield* this.#unsettled();
    if (!this.#current.walkComplete) yield* this.#walk();
    await this.#writer.flush();
    this.#exhausted = true;
  }

  /** Uploads given up (their file changed or went away) that still need an abort. */
  uploadsToAbort(): AbandonRecord[] {
    return [...this.#current.abandoned.values()];
  }

  /** Records that abandoned upload `uploadId` was aborted (or found gone). */
  async recordAborted(uploadId: string): Promise<void> {
    await this.#writer.append(encodeRecord({ t: "r", u: uploadId }));
    this.#current.abandoned.delete(uploadId);
  }

  /**
   * Ends the run: when the walk is complete and every file handed out has an outcome, records
   * that (so the next run looks for changes instead of continuing); then closes the journal.
   */
  async close(): Promise<void> {
    try {
      const current = this.#current;
      if (this.#exhausted && this.#outstanding === 0 && current.walkComplete && !current.ended) {
        await this.#writer.append(encodeRecord({ t: "z" }));
        current.ended = true;
      }
    } finally {
      await this.#writer.close();
    }
  }

  get #current(): GenerationScan {
    return this.#plan.current;
  }

  /** Pass 2: the generation's unsettled files, in walk order, each stat'd again. */
  async *#unsettled(): AsyncGenerator<WorkItem> {
    const current = this.#current;
    const path = this.#dir.journalPath(current.generation);
    for await (const batch of fileRecords(path, current.validLength)) {
      for (const record of batch) {
        if (isSettled(current.status.get(record.i))) continue;
        const now = await this.#statFile(record.p);
        const open = current.inFlight.get(record.i);
        if (!now) {
          if (open) this.#abandon({ t: "a", p: record.p, u: open.upload.u, i: record.i });
          this.#enqueue({ t: "s", i: record.i, r: "gone" });
          current.status.set(record.i, FileStatus.skipped);
          continue;
        }
        if (sameStat(now, statOf(record))) {
          yield this.#item(record.i, record.p, now, "unfinished");
          continue;
        }
        if (open) this.#abandon({ t: "a", p: record.p, u: open.upload.u, i: record.i });
        yield this.#item(record.i, record.p, now, "changed");
      }
    }
  }

  /** The walk after the generation's cursor, merge-joined with the baseline's file records. */
  async *#walk(): AsyncGenerator<WorkItem> {
    const { compare } = this.#options;
    const { lastPath } = this.#current;
    const baseline = this.#plan.baseline;
    const base = baseline
      ? new FileRecordReader(this.#dir.journalPath(baseline.generation), baseline.validLength)
      : undefined;
    const nextBase = () => base ? base.next() : Promise.resolve(undefined);
    let b = await nextBase();
    // Resuming a walk: the baseline's files up to the last one recorded were merged already.
    if (lastPath !== undefined) { while (b && compare(b.p, lastPath) <= 0) b = await nextBase(); }
    try {
      yield* this.#merge(b, nextBase);
    } finally {
      // Stopped early or failed: close the baseline's file.
      await base?.close();
    }
  }

  async *#merge(
    first: FileRecord | undefined,
    nextBase: () => Promise<FileRecord | undefined>,
  ): AsyncGenerator<WorkItem> {
    const { compare } = this.#options;
    const current = this.#current;
    const baseline = this.#plan.baseline;
    let b = first;
    let previous = current.lastPath;
    let passes = 0;
    for await (const event of this.#options.walk(current.cursor)) {
      if ("passed" in event) {
        if (++passes % PASSES_PER_CURSOR === 0) this.#enqueue({ t: "k", k: event.cursor });
        continue;
      }
      if (previous !== undefined && compare(previous, event.relPath) >= 0) {
        throw new Error(`The walk is out of order: ${event.relPath} came after ${previous}.`);
      }
      previous = event.relPath;
      while (b && compare(b.p, event.relPath) < 0) {
        this.#baselineGone(b);
        b = await nextBase();
      }
      const match = b && compare(b.p, event.relPath) === 0 ? b : undefined;
      if (match) b = await nextBase();
      const item = this.#found(event, match);
      if (this.#writer.queuedChars > HIGH_WATER_CHARS) await this.#writer.flush();
      if (item) yield item;
    }
    for (; b; b = await nextBase()) this.#baselineGone(b);
    this.#enqueue({ t: "w", n: current.fileCount });
    await this.#writer.flush();
    current.walkComplete = true;
    // The baseline is needed no more once the walk that merged it is durable.
    if (baseline) await this.#dir.removeGeneration(baseline.generation);
  }

  /** Records a file the walk found; returns it as work unless the baseline settles it. */
  #found(file: WalkFile, match: FileRecord | undefined): WorkItem | undefined {
    const current = this.#current;
    const id = current.fileCount++;
    const stat: FileStat = {
      size: file.size,
      mtimeMs: file.mtimeMs,
      ctimeMs: file.ctimeMs,
      ino: file.ino,
    };
    const record: FileRecord = {
      t: "f",
      i: id,
      p: file.relPath,
      s: stat.size,
      m: stat.mtimeMs,
      c: stat.ctimeMs,
      n: stat.ino,
      ...(file.cursor !== file.relPath ? { k: file.cursor } : {}),
    };
    const baseline = this.#plan.baseline;
    const open = match ? baseline?.inFlight.get(match.i) : undefined;
    if (!match || !baseline || !sameStat(stat, statOf(match))) {
      // Before the file record: once that is durable, so is the abandon.
      if (open) this.#abandon({ t: "a", p: file.relPath, u: open.upload.u });
      this.#enqueue(record);
      current.status.set(id, FileStatus.pending);
      return this.#item(id, file.relPath, stat, match ? "changed" : "new");
    }
    const was = baseline.status.get(match.i);
    if (isSettled(was)) {
      const done = was === FileStatus.done;
      this.#enqueue({ ...record, st: done ? "d" : "k" });
      current.status.set(id, done ? FileStatus.done : FileStatus.skipped);
      this.#summary.inherited++;
      return undefined;
    }
    current.status.set(id, FileStatus.pending);
    if (open) this.#carry(id, open);
    this.#enqueue(record);
    return this.#item(id, file.relPath, stat, "unfinished");
  }

  /**
   * Carries an unchanged file's open upload into this generation under its new id, its records
   * just before the file's record (see GenerationScan.ahead): all of them are durable once it is.
   */
  #carry(id: number, open: InFlight): void {
    const upload = { ...open.upload, i: id };
    const carried: InFlight = { upload, parts: new Map() };
    this.#enqueue(upload);
    for (const part of open.parts.values()) {
      const moved = { ...part, i: id };
      this.#enqueue(moved);
      carried.parts.set(moved.n, moved);
    }
    if (open.completing !== undefined) {
      this.#enqueue({ t: "c", i: id, at: open.completing });
      carried.completing = open.completing;
    }
    this.#current.inFlight.set(id, carried);
    this.#current.status.set(id, FileStatus.uploading);
  }

  /** A baseline file the walk did not find again: its open upload is given up. */
  #baselineGone(record: FileRecord): void {
    const open = this.#plan.baseline?.inFlight.get(record.i);
    if (open) this.#abandon({ t: "a", p: record.p, u: open.upload.u });
  }

  #abandon(record: AbandonRecord): void {
    this.#enqueue(record);
    this.#current.abandoned.set(record.u, record);
    if (record.i !== undefined) {
      this.#current.inFlight.delete(record.i);
      this.#current.status.set(record.i, FileStatus.pending);
    }
  }

  #item(id: number, relPath: string, stat: FileStat, reason: WorkReason): WorkItem {
    const current = this.#current;
    const key = this.#keyFor(relPath);
    const inFlight = current.inFlight.get(id);
    this.#outstanding++;
    this.#summary.handedOut++;
    const object = new JobObject({
      writer: this.#writer,
      id,
      relPath,
      bucket: this.#dir.identity.bucket,
      key,
      ...(inFlight ? { inFlight } : {}),
      onOutcome: (settledId, outcome) => {
        this.#outstanding--;
        this.#summary.outcomes[outcome]++;
        if (outcome !== "failed") current.inFlight.delete(settledId);
        current.status.set(settledId, OUTCOME_STATUS[outcome]);
      },
      onAbandon: (record) => current.abandoned.set(record.u, record),
    });
    return { id, relPath, key, stat, reason, object };
  }

  #enqueue(record: JobRecord): void {
    this.#writer.enqueue(encodeRecord(record));
  }
}
