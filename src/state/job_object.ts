import type { ChecksumAlgorithm, ChecksumType } from "../../backends/types.ts";
import type { GroupWriter } from "./group_writer.ts";
import type { InFlight } from "./job_scan.ts";
import {
  type AbandonRecord,
  encodeRecord,
  type JobRecord,
  type PartRecord,
  type UploadRecord,
} from "./job_records.ts";
import type { UploadMeta } from "./meta_file.ts";
import type { JournalEntry } from "./parts_journal.ts";

/** How one object of a tree job ended in this run. */
export type ObjectOutcome = "done" | "skipped" | "failed";

/** What a tree object's view is built from (given by the job run). */
export interface ObjectContext {
  writer: GroupWriter;
  id: number;
  relPath: string;
  bucket: string;
  key: string;
  /** The object's open upload as the journal records it, if any. */
  inFlight?: InFlight;
  /** Called once a record that settles or fails the object is durable. */
  onOutcome: (id: number, outcome: ObjectOutcome) => void;
  /** Called when an upload of this object is given up (to be aborted). */
  onAbandon: (record: AbandonRecord) => void;
}

/** The result of a stored object: what the "d" record keeps. */
export interface ObjectDone {
  eTag?: string;
  versionId?: string;
  /** How it was proved (e.g. "full-object-crc32", "multipart-etag"). */
  proof?: string;
}

/** A failure of one object: its error code, exit code and one-line message. */
export interface ObjectFailure {
  code: string;
  exitCode: number;
  message: string;
  /**
   * The open upload cannot be finished (gone, or its object not the file's): it is given up,
   * so the next run sends the file from its start.
   */
  startOver?: boolean;
}

/** Meta keys that have a short key of their own in the "u" record, or are not kept. */
const META_KEYS_NOT_IN_REST = new Set([
  "bucket",
  "key",
  "uploadId",
  "splitSize",
  "checksumAlgorithm",
  "checksumType",
  "createdAt",
  "completing",
  "completed",
  "formatVersion",
  "updatedAt",
]);
const PART_KEYS_NOT_IN_REST = new Set([
  "eTag",
  "partNumber",
  "uploadId",
  "size",
  "offset",
  "checksum",
  "crc32",
  "at",
]);

/**
 * One object of a tree job, backed by the job's journal: the operations the upload engine
 * performs on a meta file and a parts journal (read the meta, read the parts, write the meta,
 * append parts, remove the state when done), as "u", "c", "p" and "d" records. Every write
 * resolves once its line is durable, in the order the engine needs: the upload id before any
 * part, each part before it counts, `completing` before Complete, done last.
 */
export class JobObject {
  readonly id: number;
  readonly relPath: string;
  readonly key: string;
  #open: InFlight | undefined;
  #settled = false;

  constructor(private readonly context: ObjectContext) {
    this.id = context.id;
    this.relPath = context.relPath;
    this.key = context.key;
    this.#open = context.inFlight;
  }

  /** The recorded upload as a meta file would hold it; undefined when none is open. */
  readMeta(): UploadMeta | undefined {
    const open = this.#open;
    if (!open) return undefined;
    const { upload } = open;
    return {
      ...(upload.r ?? {}),
      bucket: this.context.bucket,
      key: this.key,
      uploadId: upload.u,
      splitSize: upload.z,
      ...(upload.a ? { checksumAlgorithm: upload.a as ChecksumAlgorithm } : {}),
      ...(upload.y ? { checksumType: upload.y as ChecksumType } : {}),
      ...(upload.at !== undefined ? { createdAt: new Date(upload.at).toISOString() } : {}),
      ...(open.completing !== undefined
        ? { completing: { startedAt: new Date(open.completing).toISOString() } }
        : {}),
    } as UploadMeta;
  }

  /** The journaled parts of `uploadId` by part number (none for another upload id). */
  readParts(uploadId: string): Map<number, JournalEntry> {
    const parts = new Map<number, JournalEntry>();
    if (this.#open?.upload.u !== uploadId) return parts;
    for (const part of this.#open.parts.values()) parts.set(part.n, entryOf(part, uploadId));
    return parts;
  }

  /**
   * Records the meta: a new upload id starts a new upload ("u", its parts start empty); the
   * same one with `completing` newly set marks completion ("c"); other changes rewrite "u".
   */
  async writeMeta(meta: UploadMeta): Promise<void> {
    const upload = uploadRecordOf(this.id, meta);
    const open = this.#open;
    if (!open || open.upload.u !== meta.uploadId) {
      await this.#write(upload);
      this.#open = { upload, parts: new Map() };
    } else if (encodeRecord(upload) !== encodeRecord(open.upload)) {
      await this.#write(upload);
      open.upload = upload;
    }
    if (meta.completing && this.#open!.completing === undefined) {
      const parsed = Date.parse(meta.completing.startedAt);
      const at = Number.isNaN(parsed) ? Date.now() : parsed;
      await this.#write({ t: "c", i: this.id, at });
      this.#open!.completing = at;
    }
  }

  /** Appends one finished part; resolves once durable. */
  appendPart(entry: JournalEntry): Promise<void> {
    return this.appendParts([entry]);
  }

  /** Appends finished parts (one group, one sync); resolves once all are durable. */
  async appendParts(entries: JournalEntry[]): Promise<void> {
    const open = this.#open;
    if (!open) throw new Error(`No upload is recorded for ${this.relPath}; write the meta first.`);
    const records = entries.map((entry) => partRecordOf(this.id, entry));
    await Promise.all(records.map((record) => this.#write(record)));
    for (const record of records) open.parts.set(record.n, record);
  }

  /** The object is proved stored: its "d" record; resolves once durable. */
  async finish(done: ObjectDone = {}): Promise<void> {
    await this.#settle({
      t: "d",
      i: this.id,
      ...(done.eTag !== undefined ? { e: done.eTag } : {}),
      ...(done.versionId !== undefined ? { v: done.versionId } : {}),
      ...(done.proof !== undefined ? { pf: done.proof } : {}),
    }, "done");
  }

  /** The object needs no upload; an upload left open is given up (to be aborted) first. */
  async skip(reason: "exists" | "unchanged"): Promise<void> {
    if (this.#open) this.#abandon();
    await this.#settle({ t: "s", i: this.id, r: reason }, "skipped");
  }

  /** The object failed in this run; its open upload (if any) stays for the next run. */
  async fail(failure: ObjectFailure): Promise<void> {
    if (failure.startOver && this.#open) this.#abandon();
    const msg = failure.message.replace(/\s*\n\s*/g, " ").slice(0, 500);
    await this.#settle(
      { t: "e", i: this.id, code: failure.code, x: failure.exitCode, msg },
      "failed",
    );
  }

  #abandon(): void {
    const record: AbandonRecord = { t: "a", p: this.relPath, u: this.#open!.upload.u, i: this.id };
    this.context.writer.enqueue(encodeRecord(record));
    this.context.onAbandon(record);
    this.#open = undefined;
  }

  async #settle(record: JobRecord, outcome: ObjectOutcome): Promise<void> {
    if (this.#settled) throw new Error(`${this.relPath} already has an outcome in this run.`);
    this.#settled = true;
    await this.#write(record);
    this.context.onOutcome(this.id, outcome);
  }

  #write(record: JobRecord): Promise<void> {
    return this.context.writer.append(encodeRecord(record));
  }
}

function uploadRecordOf(id: number, meta: UploadMeta): UploadRecord {
  const rest = restOf(meta as unknown as Record<string, unknown>, META_KEYS_NOT_IN_REST);
  const at = meta.createdAt ? Date.parse(meta.createdAt) : NaN;
  return {
    t: "u",
    i: id,
    u: meta.uploadId,
    z: meta.splitSize,
    ...(meta.checksumAlgorithm ? { a: meta.checksumAlgorithm } : {}),
    ...(meta.checksumType ? { y: meta.checksumType } : {}),
    ...(Number.isNaN(at) ? {} : { at }),
    ...(rest ? { r: rest } : {}),
  };
}

function partRecordOf(id: number, entry: JournalEntry): PartRecord {
  const { crc32 } = entry as JournalEntry & { crc32?: unknown };
  const at = entry.at ? Date.parse(entry.at) : NaN;
  const rest = restOf(entry as unknown as Record<string, unknown>, PART_KEYS_NOT_IN_REST);
  return {
    t: "p",
    i: id,
    n: entry.partNumber,
    e: entry.eTag,
    ...(entry.size !== undefined ? { z: entry.size } : {}),
    ...(entry.offset !== undefined ? { o: entry.offset } : {}),
    ...(entry.checksum !== undefined ? { h: entry.checksum } : {}),
    ...(typeof crc32 === "string" ? { q: crc32 } : {}),
    ...(Number.isNaN(at) ? {} : { at }),
    ...(rest ? { r: rest } : {}),
  };
}

function entryOf(part: PartRecord, uploadId: string): JournalEntry {
  return {
    ...(part.r ?? {}),
    eTag: part.e,
    partNumber: part.n,
    uploadId,
    ...(part.z !== undefined ? { size: part.z } : {}),
    ...(part.o !== undefined ? { offset: part.o } : {}),
    ...(part.h !== undefined ? { checksum: part.h } : {}),
    ...(part.q !== undefined ? { crc32: part.q } : {}),
    ...(part.at !== undefined ? { at: new Date(part.at).toISOString() } : {}),
  };
}

/** The keys of `value` outside `known` (undefined values dropped), or undefined if none. */
function restOf(
  value: Record<string, unknown>,
  known: Set<string>,
): Record<string, unknown> | undefined {
  const rest = Object.entries(value).filter(([k, v]) => !known.has(k) && v !== undefined);
  return rest.length > 0 ? Object.fromEntries(rest) : undefined;
}
