import { UsageError } from "../errors.ts";
import { FileStatus, type FileStatusCode, isSettled, StatusBytes } from "./file_status.ts";
import { journalLines } from "./journal_lines.ts";
import {
  type AbandonRecord,
  type CompletingRecord,
  type FileRecord,
  JOB_FORMAT_VERSION,
  type JobRecord,
  parseRecord,
  type PartRecord,
  type UploadRecord,
  type WalkCursor,
} from "./job_records.ts";

/** The open multipart upload of an unsettled file: its "u" record, parts and completing mark. */
export interface InFlight {
  upload: UploadRecord;
  parts: Map<number, PartRecord>;
  /** When CompleteMultipartUpload was sent (epoch ms), if it was. */
  completing?: number;
}

/** What one pass over a generation's journal found. */
export interface GenerationScan {
  generation: number;
  /** The generation its walk is merged with, if any. */
  baseline?: number;
  forced: boolean;
  /** A status byte per file id. */
  status: StatusBytes;
  /** How many file records (ids 0 to fileCount - 1). */
  fileCount: number;
  /** Open multipart uploads of files not settled, by id (few: those in flight when stopped). */
  inFlight: Map<number, InFlight>;
  /** Abandoned uploads not yet aborted, by upload id. */
  abandoned: Map<string, AbandonRecord>;
  /** Where the walk stands: the cursor of the last file or cursor record. */
  cursor?: WalkCursor;
  /** Path of the last file record (the merge with the baseline goes on after it). */
  lastPath?: string;
  walkComplete: boolean;
  /** A run gave every file an outcome ("z" record). */
  ended: boolean;
  /** Bytes of the valid prefix; anything after it (a torn or damaged tail) is cut off. */
  validLength: number;
  /** Bytes after the valid prefix, 0 when the file ends cleanly. */
  cutBytes: number;
  /**
   * An upload carried from the baseline for the next file id: its records come just before
   * the file record, so a durable file record always has them; without it they are dropped.
   */
  ahead?: InFlight;
}

/**
 * Pass 1 over a generation: one streamed read that keeps a status byte per file id and the
 * state of the few open uploads, never the file records themselves. The valid prefix ends at
 * the first line that is not a complete, valid, consistent record: a crash can only damage the
 * tail that was never synced, and nothing in it was reported durable. Undefined when the file
 * has no valid header (it was never fully created).
 */
export async function scanGeneration(path: string): Promise<GenerationScan | undefined> {
  let scan: GenerationScan | undefined;
  let size = 0;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  lines: for await (const batch of journalLines(path)) {
    for (const line of batch) {
      const record = line.text === undefined ? undefined : parseRecord(line.text);
      if (!record) break lines;
      if (!scan) {
        if (record.t !== "h") return undefined;
        scan = start(record, path);
      } else if (!apply(scan, record)) {
        break lines;
      }
      scan.validLength = line.end;
    }
  }
  if (scan) {
    scan.cutBytes = size - scan.validLength;
    delete scan.ahead;
  }
  return scan;
}

function start(header: JobRecord & { t: "h" }, path: string): GenerationScan {
  if (header.v > JOB_FORMAT_VERSION) {
    throw new UsageError(
      `The job journal ${path} was written by a newer s3mpu (format ${header.v}); run that version, or move the job's state directory away to start over.`,
    );
  }
  return {
    generation: header.g,
    ...(header.b !== undefined ? { baseline: header.b } : {}),
    forced: header.force === true,
    status: new StatusBytes(),
    fileCount: 0,
    inFlight: new Map(),
    abandoned: new Map(),
    walkComplete: false,
    ended: false,
    validLength: 0,
    cutBytes: 0,
  };
}

/** Applies one record; false when it cannot follow what came before (the prefix ends). */
function apply(scan: GenerationScan, record: JobRecord): boolean {
  if (record.t === "h") return false;
  if (record.t === "f") return addFile(scan, record);
  if (record.t === "k") {
    scan.cursor = record.k;
    return true;
  }
  if (record.t === "w") {
    scan.walkComplete = true;
    return true;
  }
  if (record.t === "z") {
    scan.ended = true;
    return true;
  }
  if (record.t === "a") {
    scan.abandoned.set(record.u, record);
    if (record.i !== undefined) {
      if (record.i >= scan.fileCount) return false;
      const open = scan.inFlight.get(record.i);
      if (open?.upload.u === record.u) scan.inFlight.delete(record.i);
      settle(scan, record.i, FileStatus.pending);
    }
    return true;
  }
  if (record.t === "r") {
    scan.abandoned.delete(record.u);
    return true;
  }
  const carried = record.t === "u" || record.t === "p" || record.t === "c";
  if (carried && record.i === scan.fileCount) return carryAhead(scan, record);
  if (record.i >= scan.fileCount) return false;
  // A settled file has nothing in flight: a later upload record of it is ignored.
  if (carried && isSettled(scan.status.get(record.i))) return true;
  const open = scan.inFlight.get(record.i);
  switch (record.t) {
    case "u":
      if (open?.upload.u === record.u) open.upload = record;
      else scan.inFlight.set(record.i, { upload: record, parts: new Map() });
      settle(scan, record.i, FileStatus.uploading);
      return true;
    case "p":
      // Parts belong to the file's latest upload; a part of none is ignored.
      open?.parts.set(record.n, record);
      return true;
    case "c":
      if (open) open.completing = record.at;
      settle(scan, record.i, FileStatus.completing);
      return true;
    case "d":
      scan.inFlight.delete(record.i);
      settle(scan, record.i, FileStatus.done);
      return true;
    case "s":
      scan.inFlight.delete(record.i);
      settle(scan, record.i, FileStatus.skipped);
      return true;
    case "e":
      settle(scan, record.i, FileStatus.failed);
      return true;
  }
}

function addFile(scan: GenerationScan, record: FileRecord): boolean {
  // Ids are given in walk order: a gap or repeat means the line does not belong here.
  if (record.i !== scan.fileCount) return false;
  scan.fileCount++;
  const carried = scan.ahead;
  delete scan.ahead;
  let status: FileStatusCode = record.st === "d"
    ? FileStatus.done
    : record.st === "k"
    ? FileStatus.skipped
    : FileStatus.pending;
  if (carried && status === FileStatus.pending) {
    scan.inFlight.set(record.i, carried);
    status = carried.completing === undefined ? FileStatus.uploading : FileStatus.completing;
  }
  scan.status.set(record.i, status);
  scan.cursor = record.k ?? record.p;
  scan.lastPath = record.p;
  return true;
}

/** A carried upload record of the next file (see {@link GenerationScan.ahead}). */
function carryAhead(scan: GenerationScan, record: UploadRecord | PartRecord | CompletingRecord) {
  if (record.t === "u") {
    scan.ahead = { upload: record, parts: new Map() };
    return true;
  }
  if (!scan.ahead) return false;
  if (record.t === "p") scan.ahead.parts.set(record.n, record);
  else scan.ahead.completing = record.at;
  return true;
}

/** Sets a status unless the file is already settled: done stays done. */
function settle(scan: GenerationScan, id: number, status: FileStatusCode): void {
  if (!isSettled(scan.status.get(id))) scan.status.set(id, status);
}

/** How many files of the scan are not settled. */
export function unsettledCount(scan: GenerationScan): number {
  const counts = scan.status.counts();
  return scan.fileCount - counts[FileStatus.done] - counts[FileStatus.skipped];
}

/**
 * Pass 2: streams the file records of the scanned prefix, in walk order, in batches.
 */
export async function* fileRecords(path: string, limit: number): AsyncGenerator<FileRecord[]> {
  for await (const batch of journalLines(path, limit)) {
    const files: FileRecord[] = [];
    for (const line of batch) {
      // Cheap test first: most lines of a big journal are not file records.
      if (line.text === undefined || !line.text.includes('"t":"f"')) continue;
      const record = parseRecord(line.text);
      if (record?.t === "f") files.push(record);
    }
    yield files;
  }
}

/** Reads file records one at a time from {@link fileRecords} (the merge with a baseline). */
export class FileRecordReader {
  readonly #batches: AsyncGenerator<FileRecord[]>;
  #batch: FileRecord[] = [];
  #next = 0;

  constructor(path: string, limit: number) {
    this.#batches = fileRecords(path, limit);
  }

  /** The next file record, undefined after the last. */
  async next(): Promise<FileRecord | undefined> {
    while (this.#next >= this.#batch.length) {
      const { value, done } = await this.#batches.next();
      if (done) return undefined;
      this.#batch = value;
      this.#next = 0;
    }
    return this.#batch[this.#next++];
  }

  /** Closes the file early. */
  async close(): Promise<void> {
    await this.#batches.return(undefined);
  }
}
