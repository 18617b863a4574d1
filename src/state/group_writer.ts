import { STATE_FILE_MODE } from "./atomic_write.ts";

/** What the writer needs of a file; tests wrap a real one to count its syncs. */
export interface AppendFile {
  write(bytes: Uint8Array): Promise<number>;
  syncData(): Promise<void>;
  close(): void;
}

/** How to open a group writer. */
export interface GroupWriterOptions {
  /** fdatasync each group (default true; false only for tests and benchmarks of the rest). */
  fsync?: boolean;
  /** Wraps the opened file (tests count writes and syncs through it). */
  wrapFile?: (file: Deno.FsFile) => AppendFile;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * An append-only line writer with group commit: lines queued while a write+fdatasync is under
 * way go out together in the next one, so N concurrent appenders cost about one sync per group
 * rather than one each. A line's promise resolves only once the sync that covers it returned;
 * after a failed write the writer is broken (the file's tail is unknown) and every later call
 * fails with the same error, so nothing counts as durable that is not.
 */
export class GroupWriter {
  #queue: string[] = [];
  #waiters: Waiter[] = [];
  #queuedChars = 0;
  #running: Promise<void> | undefined;
  #failure: unknown;
  #groups = 0;

  private constructor(private readonly file: AppendFile, private readonly fsync: boolean) {}

  /** Opens `path` for appending (created 0600), first cutting it to `validLength` bytes. */
  static async open(
    path: string,
    validLength: number,
    options: GroupWriterOptions = {},
  ): Promise<GroupWriter> {
    const file = await Deno.open(path, { write: true, create: true, mode: STATE_FILE_MODE });
    try {
      const { size } = await file.stat();
      if (size > validLength) await file.truncate(validLength);
      await file.seek(0, Deno.SeekMode.End);
    } catch (error) {
      file.close();
      throw error;
    }
    return new GroupWriter(options.wrapFile?.(file) ?? file, options.fsync ?? true);
  }

  /** Queues one line (no newline); resolves once it is durable. */
  append(line: string): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      this.#push(line);
      this.#waiters.push({ resolve, reject });
    });
  }

  /**
   * Queues one line without waiting for it; a failure surfaces at the next {@link append},
   * {@link flush} or {@link close}. For records nobody waits on (files found by the walk).
   */
  enqueue(line: string): void {
    if (this.#failure !== undefined) return;
    this.#push(line);
  }

  /** Characters queued and not yet written: the walk waits on {@link flush} past a bound. */
  get queuedChars(): number {
    return this.#queuedChars;
  }

  /** How many write+sync groups went out (for benchmarks and tests). */
  get groups(): number {
    return this.#groups;
  }

  /** Resolves once every line queued so far is durable. */
  flush(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    // An empty line joins the group after the queued ones: it resolves once they are durable.
    return this.#queue.length > 0 || this.#running ? this.append("") : Promise.resolve();
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.file.close();
    }
  }

  #push(line: string): void {
    if (line !== "") {
      this.#queue.push(line + "\n");
      this.#queuedChars += line.length + 1;
    }
    this.#running ??= this.#drain();
  }

  /** Writes queued groups until the queue is empty; each group is one write and one sync. */
  async #drain(): Promise<void> {
    // Let every append of this tick join the first group.
    await null;
    const encoder = new TextEncoder();
    while (this.#queue.length > 0 || this.#waiters.length > 0) {
      const lines = this.#queue;
      const waiters = this.#waiters;
      this.#queue = [];
      this.#waiters = [];
      this.#queuedChars = 0;
      try {
        if (lines.length > 0) {
          const bytes = encoder.encode(lines.join(""));
          for (let at = 0; at < bytes.length;) at += await this.file.write(bytes.subarray(at));
          if (this.fsync) await this.file.syncData();
          this.#groups++;
        }
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.#failure = error;
        for (const waiter of [...waiters, ...this.#waiters]) waiter.reject(error);
        this.#queue = [];
        this.#waiters = [];
        break;
      }
    }
    this.#running = undefined;
  }
}
