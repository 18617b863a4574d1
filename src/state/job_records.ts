/**
 * The records of a tree job's journal (`<stateDir>/jobs/<jobId>/journal-<g>.jsonl`), one JSON
 * object per line, keyed short so a file costs well under 200 bytes plus its path. Every record
 * has a type `t`; `i` is the file's id, local to the generation (0, 1, 2... in walk order).
 * docs/tree-state.md describes each record, the generation rules and the crash points.
 */

/** Version of the job journal and job.json this build writes and reads. */
export const JOB_FORMAT_VERSION = 1;

/** Where a walk stands: a path for a tree walk, a line number for a list of files. */
export type WalkCursor = string | number;

/** What a file's stat is compared on between runs (dev is left out: it may change at boot). */
export interface FileStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** First line of a generation: format version, generation, baseline generation (if any). */
export interface HeaderRecord {
  t: "h";
  v: number;
  g: number;
  /** The complete generation this one's walk is merged with; absent for a first or forced one. */
  b?: number;
  /** Set when the generation was started with force: nothing is inherited. */
  force?: true;
}

/** A file the walk found: path relative to the source, its stat, its walk cursor. */
export interface FileRecord {
  t: "f";
  i: number;
  p: string;
  s: number;
  m: number;
  c: number;
  n: number;
  /** The walk cursor, when it is not the path itself (a line number of a list). */
  k?: WalkCursor;
  /** Inherited from the baseline, unchanged: "d" done, "k" skipped. Absent: to upload. */
  st?: "d" | "k";
}

/** The walk has gone past `k` (entries that are not files to upload). */
export interface CursorRecord {
  t: "k";
  k: WalkCursor;
}

/** The walk is complete; `n` files were found. */
export interface WalkDoneRecord {
  t: "w";
  n: number;
}

/** A multipart upload was created for file `i` (it replaces any earlier upload of `i`). */
export interface UploadRecord {
  t: "u";
  i: number;
  /** The upload id. */
  u: string;
  /** Part size (the meta file's splitSize). */
  z: number;
  /** Checksum algorithm. */
  a?: string;
  /** Checksum type (FULL_OBJECT or COMPOSITE). */
  y?: string;
  /** Created, epoch milliseconds. */
  at?: number;
  /** The rest of the object's meta (source fingerprint, part count, store, object options). */
  r?: Record<string, unknown>;
}

/** A part of file `i`'s current upload is stored (after the latest "u" of `i`). */
export interface PartRecord {
  t: "p";
  i: number;
  /** Part number. */
  n: number;
  /** ETag, without quotes. */
  e: string;
  /** Size in bytes. */
  z?: number;
  /** Offset in the file. */
  o?: number;
  /** Checksum in the upload's algorithm, base64. */
  h?: string;
  /** CRC32 of the part, base64. */
  q?: string;
  /** Written, epoch milliseconds. */
  at?: number;
  /** Any other key of the part's journal entry. */
  r?: Record<string, unknown>;
}

/** CompleteMultipartUpload is about to be sent for file `i`. */
export interface CompletingRecord {
  t: "c";
  i: number;
  at: number;
}

/** File `i` is proved stored. */
export interface DoneRecord {
  t: "d";
  i: number;
  /** The object's ETag. */
  e?: string;
  /** Its version id. */
  v?: string;
  /** How it was proved (e.g. "full-object-crc32"). */
  pf?: string;
}

/** File `i` failed in this run: its error code, exit code and one-line message. */
export interface FailedRecord {
  t: "e";
  i: number;
  code: string;
  x: number;
  msg: string;
}

/** File `i` needs no upload: "unchanged", "exists" (already stored), "gone" (no longer there). */
export interface SkippedRecord {
  t: "s";
  i: number;
  r: "unchanged" | "exists" | "gone";
}

/**
 * A multipart upload nobody will finish (its file changed or went away) and that should be
 * aborted: the file's path (its key is the prefix plus the path) and the upload id. With `i`,
 * it also ends file `i`'s upload, so the file starts over.
 */
export interface AbandonRecord {
  t: "a";
  p: string;
  u: string;
  i?: number;
}

/** The abandoned upload `u` was aborted (or found gone). */
export interface AbortedRecord {
  t: "r";
  u: string;
}

/** A run ended with every file of the generation given an outcome (done, skipped or failed). */
export interface EndRecord {
  t: "z";
}

/** Any record of the journal. */
export type JobRecord =
  | HeaderRecord
  | FileRecord
  | CursorRecord
  | WalkDoneRecord
  | UploadRecord
  | PartRecord
  | CompletingRecord
  | DoneRecord
  | FailedRecord
  | SkippedRecord
  | AbandonRecord
  | AbortedRecord
  | EndRecord;

/** One record as its journal line (without the newline). */
export function encodeRecord(record: JobRecord): string {
  return JSON.stringify(record);
}

/** The stat a file record holds. */
export function statOf(record: FileRecord): FileStat {
  return { size: record.s, mtimeMs: record.m, ctimeMs: record.c, ino: record.n };
}

/** Whether two stats describe the same file content by every field compared. */
export function sameStat(a: FileStat, b: FileStat): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs &&
    a.ino === b.ino;
}

/** A record from a journal line, or undefined when the line is not a valid record. */
export function parseRecord(line: string): JobRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  return VALID[r.t as string]?.(r) ? r as unknown as JobRecord : undefined;
}

const id = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const partNumber = (v: unknown) => id(v) && (v as number) >= 1;
const num = (v: unknown) => typeof v === "number" && Number.isFinite(v);
const str = (v: unknown) => typeof v === "string";
const opt = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const obj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
const cursor = (v: unknown) => str(v) || num(v);

/** The required and optional keys of each record type, checked on read. */
const VALID: Record<string, (r: Record<string, unknown>) => boolean> = {
  h: (r) => id(r.v) && id(r.g) && opt(r.b, id) && opt(r.force, (v) => v === true),
  f: (r) =>
    id(r.i) && str(r.p) && num(r.s) && num(r.m) && num(r.c) && num(r.n) && opt(r.k, cursor) &&
    opt(r.st, (v) => v === "d" || v === "k"),
  k: (r) => cursor(r.k),
  w: (r) => id(r.n),
  u: (r) =>
    id(r.i) && str(r.u) && num(r.z) && opt(r.a, str) && opt(r.y, str) && opt(r.at, num) &&
    opt(r.r, obj),
  p: (r) =>
    id(r.i) && partNumber(r.n) && str(r.e) && opt(r.z, num) && opt(r.o, num) && opt(r.h, str) &&
    opt(r.q, str) && opt(r.at, num) && opt(r.r, obj),
  c: (r) => id(r.i) && num(r.at),
  d: (r) => id(r.i) && opt(r.e, str) && opt(r.v, str) && opt(r.pf, str),
  e: (r) => id(r.i) && str(r.code) && id(r.x) && str(r.msg),
  s: (r) => id(r.i) && (r.r === "unchanged" || r.r === "exists" || r.r === "gone"),
  a: (r) => str(r.p) && str(r.u) && opt(r.i, id),
  r: (r) => str(r.u),
  z: () => true,
};
