/**
 * The aws-chunked body of an UploadPart whose checksum trails it (`x-amz-trailer`,
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER`): the part in chunks of known length, then the checksum
 * of the bytes actually sent. The checksum is computed as the bytes leave, so a streamed part
 * needs no first pass over the file. Only for unsigned payloads (HTTPS or loopback).
 *
 * @module
 */

/** Payload bytes per chunk (S3 wants >= 8 KiB but for the last; MinIO reads <= 16 MiB). */
export const CHUNK_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");

/** Something that sums bytes as they pass (see checksumHasher). */
export interface RunningSum {
  update(bytes: Uint8Array): void;
  value(): string;
}

/** The headers that announce an aws-chunked body with a trailing checksum. */
export function awsChunkedHeaders(
  size: number,
  trailerName: string,
  valueLength: number,
): Record<string, string> {
  return {
    "content-encoding": "aws-chunked",
    "content-length": String(awsChunkedLength(size, trailerName, valueLength)),
    "x-amz-decoded-content-length": String(size),
    "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "x-amz-trailer": trailerName,
  };
}

/** The encoded length of `size` payload bytes in chunks of {@link CHUNK_BYTES}. */
export function awsChunkedLength(size: number, trailerName: string, valueLength: number): number {
  let length = 0;
  for (let left = size; left > 0; left -= CHUNK_BYTES) {
    const n = Math.min(CHUNK_BYTES, left);
    length += n.toString(16).length + 2 + n + 2;
  }
  return length + "0\r\n".length + trailerName.length + 1 + valueLength + 4;
}

/**
 * Frames one send of a part: `data` cuts payload bytes at chunk boundaries and hands out
 * the chunk headers between them; `finish` gives the last chunk and the trailer, with the
 * checksum of every byte that went through `data`.
 */
export class AwsChunkedFrame implements BodyFrame {
  #left = 0;
  #remaining: number;

  constructor(
    size: number,
    readonly trailerName: string,
    readonly sum: RunningSum,
  ) {
    this.#remaining = size;
  }

  /** Writes `bytes` as payload: `writeData` for slices of it, `writeFrame` for the framing. */
  data(
    bytes: Uint8Array,
    writeData: (piece: Uint8Array) => void,
    writeFrame: (frame: Uint8Array) => void,
  ): void {
    for (let at = 0; at < bytes.length;) {
      if (this.#left === 0) {
        this.#left = Math.min(CHUNK_BYTES, this.#remaining);
        if (this.#left === 0) throw new Error("the part yielded more bytes than its size");
        writeFrame(encoder.encode(`${this.#left.toString(16)}\r\n`));
      }
      const piece = bytes.subarray(at, at + Math.min(this.#left, bytes.length - at));
      this.sum.update(piece);
      writeData(piece);
      at += piece.length;
      this.#left -= piece.length;
      this.#remaining -= piece.length;
      if (this.#left === 0) writeFrame(CRLF);
    }
  }

  /** The closing chunk and the trailer. */
  finish(): Uint8Array {
    if (this.#remaining !== 0 || this.#left !== 0) {
      throw new Error("the part ended before its size");
    }
    return encoder.encode(`0\r\n${this.trailerName}:${this.sum.value()}\r\n\r\n`);
  }
}

/** What the request body's writer asks of a framing (see writeSlices in paced_body.ts). */
export interface BodyFrame {
  /**
   * Whether the frame copies the payload (its slices' buffers are free at once) rather than
   * writing them through `writeData`.
   */
  readonly copies?: boolean;
  data(
    bytes: Uint8Array,
    writeData: (piece: Uint8Array) => void,
    writeFrame: (frame: Uint8Array) => void,
  ): void;
  finish(): Uint8Array;
}
