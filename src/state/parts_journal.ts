import { STATE_FILE_MODE, writeAll } from "./atomic_write.ts";
import { stripQuotes } from "../../backends/etag.ts";

/**
 * One finished part, as a line of the parts file. The seed writes eTag, partNumber and
 * uploadId; size, offset, checksum and crc32 are ours.
 */
export interface JournalEntry {
  eTag: string;
  partNumber: number;
  uploadId: string;
  size?: number;
  offset?: number;
  /** Base64 checksum of the part, in the meta file's checksumAlgorithm. */
  checksum?: string;
  /**
   * Base64 CRC32 of the bytes sent, computed by s3mpu as they were read, when `checksum` is
   * not already one (another algorithm): what proves the stored object when the store keeps
   * no checksum of its own (docs/state-files.md). Absent in older journals.
   */
  crc32?: string;
  /** When the line was written (ISO 8601); `s3mpu status` derives the last run's rate from it. */
  at?: string;
}

/** What loading the journal found. */
export interface JournalContents {
  /** The newest entry per part number for the wanted upload id. */
  parts: Map<number, JournalEntry>;
  /** Human-readable notes about skipped lines (torn tail, other upload ids, bad lines). */
  warnings: string[];
  /** Byte length of the valid prefix; a torn tail after it is cut off before appending. */
  validLength: number;
}

/**
 * Reads the parts journal. Lines may be in any order; a torn last line (crash mid-write)
 * is ignored; lines of another upload id or that don't parse are skipped with a warning.
 * ETags are accepted with or without quotes and kept without.
 */
export async function readJournal(path: string, uploadId: string): Promise<JournalContents> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { parts: new Map(), warnings: [], validLength: 0 };
    }
    throw error;
  }
  return parseJournal(new TextDecoder().decode(bytes), uploadId, bytes.length);
}

/** Parses journal text; see {@link readJournal}. */
export function parseJournal(text: string, uploadId: string, byteLength: number): JournalContents {
  const parts = new Map<number, JournalEntry>();
  const warnings: string[] = [];
  const endsClean = text.length === 0 || text.endsWith("\n");
  const lines = text.split("\n");
  if (endsClean) lines.pop();
  let validLength = byteLength;
  let otherUploads = 0;
  lines.forEach((line, index) => {
    const isTail = !endsClean && index === lines.length - 1;
    if (line.trim() === "") return;
    const entry = parseLine(line);
    if (!entry) {
      if (isTail) {
        validLength = byteLength - new TextEncoder().encode(line).length;
        warnings.push(`Ignored a torn last line in the parts file (a crash during a write).`);
      } else {
        warnings.push(`Ignored line ${index + 1} of the parts file: not a valid part record.`);
      }
      return;
    }
    if (entry.uploadId !== uploadId) {
      otherUploads++;
      return;
    }
    parts.set(entry.partNumber, entry);
  });
  if (otherUploads > 0) {
    warnings.push(
      `Ignored ${otherUploads} line(s) of the parts file that belong to another upload id.`,
    );
  }
  return { parts, warnings, validLength };
}

function parseLine(line: string): JournalEntry | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { eTag, partNumber, uploadId } = value ?? {};
  if (typeof eTag !== "string" || typeof uploadId !== "string") return undefined;
  if (typeof partNumber !== "number" || !Number.isInteger(partNumber) || partNumber < 1) {
    return undefined;
  }
  const entry: JournalEntry = { eTag: stripQuotes(eTag), partNumber, uploadId };
  if (typeof value.size === "number") entry.size = value.size;
  if (typeof value.offset === "number") entry.offset = value.offset;
  if (typeof value.checksum === "string") entry.checksum = value.checksum;
  if (typeof value.crc32 === "string") entry.crc32 = value.crc32;
  if (typeof value.at === "string") entry.at = value.at;
  return entry;
}

/**
 * An open journal for appending. Each append is one write of a whole line followed by
 * fdatasync, serialised so concurrent workers never interleave bytes.
 */
export class JournalWriter {
  #queue: Promise<void> = Promise.resolve();
  private constructor(private readonly file: Deno.FsFile, private readonly fsync: boolean) {}

  /** Opens `path` for appending, first cutting off a torn tail at `validLength`. */
  static async open(
    path: string,
    validLength: number,
    opts: { fsync?: boolean } = {},
  ): Promise<JournalWriter> {
    const file = await Deno.open(path, {
      read: true,
      write: true,
      create: true,
      mode: STATE_FILE_MODE,
    });
    const { size } = await file.stat();
    if (size > validLength) await file.truncate(validLength);
    await file.seek(0, Deno.SeekMode.End);
    return new JournalWriter(file, opts.fsync ?? true);
  }

  /**
   * Appends one entry durably; resolves only once the line is on disk. The line is stamped
   * with `at` (now) unless the entry carries one.
   */
  append(entry: JournalEntry): Promise<void> {
    return this.appendMany([entry]);
  }

  /**
   * Appends several entries with one write and one fsync: recording thousands of parts
   * adopted from the server costs one disk flush, not one each.
   */
  appendMany(entries: JournalEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const now = new Date().toISOString();
    const text = entries.map((e) => JSON.stringify(e.at ? e : { ...e, at: now }) + "\n").join("");
    const bytes = new TextEncoder().encode(text);
    const next = this.#queue.then(async () => {
      await writeAll(this.file, bytes);
      if (this.fsync) await this.file.syncData();
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    await this.#queue;
    this.file.close();
  }
}
