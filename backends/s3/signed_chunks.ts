/**
 * A part body signed chunk by chunk (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`), for plain HTTP to a
 * host other than loopback, where the payload must be signed: each 1 MiB chunk carries the
 * SigV4 signature of its bytes chained from the request's own signature, so the part is read
 * once as it is sent instead of a whole read first for its SHA-256.
 *
 * @module
 */
import { createHash, createHmac } from "node:crypto";
import type { BodyFrame } from "./aws_chunked.ts";

/**
 * Payload bytes per signed chunk (S3 wants at least 8 KiB but for the last): 1 MiB, as the
 * body's largest buffers, so hashing and signing cost little per chunk.
 */
export const SIGNED_CHUNK_BYTES = 1024 * 1024;

const SIGNATURE_HEX = 64;
const EMPTY_SHA256 = createHash("sha256").digest("hex");
const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");

/** The headers that announce a chunk-signed body of `size` payload bytes. */
export function signedChunkHeaders(size: number): Record<string, string> {
  return {
    "content-encoding": "aws-chunked",
    "content-length": String(signedChunksLength(size)),
    "x-amz-decoded-content-length": String(size),
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  };
}

/** The encoded length of `size` payload bytes in signed chunks. */
export function signedChunksLength(size: number): number {
  const meta = (n: number) =>
    n.toString(16).length + ";chunk-signature=".length + SIGNATURE_HEX + 2;
  let length = 0;
  for (let left = size; left > 0; left -= SIGNED_CHUNK_BYTES) {
    const n = Math.min(SIGNED_CHUNK_BYTES, left);
    length += meta(n) + n + 2;
  }
  return length + meta(0) + 2;
}

/** What a request's SigV4 signature gives the chunks: key, date, scope and seed signature. */
export interface ChunkSigning {
  signingKey: Uint8Array;
  /** The request's `x-amz-date`, e.g. 20261127T181500Z. */
  amzDate: string;
  /** e.g. 20261127/us-east-1/s3/aws4_request */
  scope: string;
  /** The request's own signature (from its Authorization header). */
  seedSignature: string;
}

/** SigV4's signing key for `secret` on `scope` (date/region/service/aws4_request). */
export function signingKey(secret: string, scope: string): Uint8Array {
  const [date, region, service] = scope.split("/");
  let key: Uint8Array = encoder.encode(`AWS4${secret}`);
  for (const part of [date, region, service, "aws4_request"]) {
    key = createHmac("sha256", key).update(part).digest();
  }
  return key;
}

/** Reads the date, scope and signature SigV4 put on a request's headers. */
export function requestSigning(
  headers: Record<string, string>,
): { amzDate: string; scope: string; seedSignature: string } | undefined {
  const auth = Object.entries(headers).find(([name]) => name.toLowerCase() === "authorization")
    ?.[1];
  const date = Object.entries(headers).find(([name]) => name.toLowerCase() === "x-amz-date")?.[1];
  const scope = auth?.match(/Credential=[^/]+\/([^,]+),/)?.[1];
  const seedSignature = auth?.match(/Signature=([0-9a-f]{64})/)?.[1];
  if (!date || !scope || !seedSignature) return undefined;
  return { amzDate: date, scope, seedSignature };
}

/**
 * Frames one send: the payload cut into {@link SIGNED_CHUNK_BYTES} chunks, each copied with its
 * header and signature into one buffer. `signing` is asked for at the first chunk, by which
 * time the request has been signed.
 */
export class SignedChunkFrame implements BodyFrame {
  readonly copies = true;
  /** The chunk being filled, laid out as sent: room for its header, the data, CRLF. */
  #out: Uint8Array;
  #head: number;
  #size: number;
  #filled = 0;
  #remaining: number;
  #previous?: string;

  /**
   * The chunk sent last, reused for the next one once it has left: the body's writer waits
   * for every write before it hands over more bytes (`copies`), so a chunk sent in an earlier
   * `data` call has left; one sent in the same call has not.
   */
  #spare?: Uint8Array;

  constructor(size: number, readonly signing: () => ChunkSigning) {
    this.#remaining = size;
    [this.#out, this.#head, this.#size] = this.#next(size);
  }

  /** A buffer for the next chunk of `remaining` bytes: its header's length and its size. */
  #next(remaining: number): [Uint8Array, number, number] {
    const n = Math.min(SIGNED_CHUNK_BYTES, remaining);
    const head = n.toString(16).length + ";chunk-signature=".length + SIGNATURE_HEX + 2;
    const length = head + n + 2;
    const reused = this.#spare?.length === length ? this.#spare : undefined;
    return [reused ?? new Uint8Array(length), head, n];
  }

  /** Copies `bytes` into chunks; each full one goes out signed through `writeFrame`. */
  data: BodyFrame["data"] = (bytes, _writeData, writeFrame) => {
    let sentNow = 0;
    for (let at = 0; at < bytes.length;) {
      if (this.#size === 0) throw new Error("the part yielded more bytes than its size");
      const n = Math.min(this.#size - this.#filled, bytes.length - at);
      this.#out.set(bytes.subarray(at, at + n), this.#head + this.#filled);
      this.#filled += n;
      at += n;
      if (this.#filled === this.#size) {
        const sent = this.#signed();
        writeFrame(sent);
        this.#remaining -= this.#size;
        if (sentNow++ > 0) this.#spare = undefined; // sent in this call: still being written
        [this.#out, this.#head, this.#size] = this.#next(this.#remaining);
        this.#spare = sent;
        this.#filled = 0;
      }
    }
  };

  finish(): Uint8Array {
    if (this.#remaining !== 0) throw new Error("the part ended before its size");
    return this.#signed();
  }

  /** Fills in the chunk's `<hex size>;chunk-signature=<sig>\r\n` and closing CRLF. */
  #signed(): Uint8Array {
    const s = this.signing();
    const data = this.#out.subarray(this.#head, this.#head + this.#size);
    const hash = createHash("sha256").update(data).digest("hex");
    const toSign = [
      "AWS4-HMAC-SHA256-PAYLOAD",
      s.amzDate,
      s.scope,
      this.#previous ?? s.seedSignature,
      EMPTY_SHA256,
      hash,
    ].join("\n");
    this.#previous = createHmac("sha256", s.signingKey).update(toSign).digest("hex");
    this.#out.set(
      encoder.encode(`${this.#size.toString(16)};chunk-signature=${this.#previous}\r\n`),
    );
    this.#out.set(CRLF, this.#head + this.#size);
    return this.#out;
  }
}
