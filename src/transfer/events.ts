/**
 * What the transfer layer tells whoever watches it (the CLI's bar, plain lines and log), on
 * one channel: an object's totals, each part done or lost, and the bytes of parts as they
 * leave. The watcher decides what to show; the transfer layer writes no progress text.
 *
 * @module
 */

/** An object's size in parts and bytes, and how much of it an earlier run already stored. */
export interface ObjectTotals {
  totalBytes: number;
  totalParts: number;
  doneBytes: number;
  doneParts: number;
}

/** A part that now counts as done (its journal record is durable). */
export interface PartDone {
  partNumber: number;
  size: number;
  /** How the part is known: its checksum, or its ETag when it carries none. */
  label: string;
  /** Seconds from reading the part to its journal record. */
  seconds: number;
}

/** The events of transfers; every member optional, so a watcher takes only what it shows. */
export interface TransferEvents {
  /** The object's parts are known; sending begins. */
  objectStarted?(totals: ObjectTotals): void;
  /** A part counts as done. */
  partDone?(part: PartDone): void;
  /** A part counted as done turned out missing on the server and will be sent again. */
  partLost?(bytes: number): void;
  /** Every part of the object is sent (Complete follows). */
  objectSent?(): void;
  /**
   * `bytes` more of some part were handed to the socket. Present only when a watcher counts
   * bytes: part bodies are then fed in slices.
   */
  bytesSent?(bytes: number): void;
  /**
   * A part request ended: withdraw its `sent` bytes; `landed` (the part's size when the
   * store took it, else 0) stays counted until {@link partDone}.
   */
  requestEnded?(sent: number, landed: number): void;
}
