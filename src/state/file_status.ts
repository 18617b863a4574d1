/** A file's status in a generation, one byte per file id. */
export const FileStatus = {
  /** No file record with this id. */
  none: 0,
  /** Found, nothing sent yet (or its upload abandoned). */
  pending: 1,
  /** A multipart upload is open. */
  uploading: 2,
  /** CompleteMultipartUpload was sent. */
  completing: 3,
  /** Failed in a run; tried again by the next one. */
  failed: 4,
  /** Proved stored. */
  done: 5,
  /** Needs no upload (unchanged, exists, gone). */
  skipped: 6,
} as const;

/** One of {@link FileStatus}. */
export type FileStatusCode = typeof FileStatus[keyof typeof FileStatus];

/** Whether a status needs nothing more from any run. */
export function isSettled(status: number): boolean {
  return status === FileStatus.done || status === FileStatus.skipped;
}

/**
 * A status byte per file id in a Uint8Array grown by doubling: a million files cost one
 * megabyte, never an object per file.
 */
export class StatusBytes {
  #bytes = new Uint8Array(1024);
  #length = 0;

  /** One more than the highest id set. */
  get length(): number {
    return this.#length;
  }

  /** The status of `id` ({@link FileStatus.none} beyond the end). */
  get(id: number): number {
    return id < this.#length ? this.#bytes[id] : FileStatus.none;
  }

  /** Sets the status of `id`, growing the array as needed. */
  set(id: number, status: FileStatusCode): void {
    if (id >= this.#bytes.length) {
      let size = this.#bytes.length * 2;
      while (size <= id) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes[id] = status;
    if (id >= this.#length) this.#length = id + 1;
  }

  /** How many ids hold each status, indexed by status code. */
  counts(): number[] {
    const counts = new Array(7).fill(0);
    for (let id = 0; id < this.#length; id++) counts[this.#bytes[id]]++;
    return counts;
  }
}
