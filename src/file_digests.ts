import { createHash } from "node:crypto";
import zlib from "node:zlib";
import type { ChecksumAlgorithm } from "../backends/types.ts";
import { crc32c } from "../backends/checksum.ts";
import { MiB } from "../backends/units.ts";
import type { PartSource } from "./part_source.ts";

const crc32 = (zlib as unknown as { crc32(data: Uint8Array, value?: number): number }).crc32;

/** An incremental digest of one algorithm. */
export interface Digest {
  update(bytes: Uint8Array): void;
  /** Base64 of the digest, as S3 writes checksums (hex for md5: see {@link hexDigest}). */
  base64(): string;
  hex(): string;
}

/** A fresh incremental digest: md5, sha256, crc32 or crc32c. */
export function newDigest(algorithm: ChecksumAlgorithm): Digest {
  if (algorithm === "crc32" || algorithm === "crc32c") {
    let value = 0;
    const step = algorithm === "crc32" ? crc32 : crc32c;
    const bytes = () => {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, value >>> 0);
      return out;
    };
    return {
      update: (chunk) => {
        value = step(chunk, value);
      },
      base64: () => btoa(String.fromCharCode(...bytes())),
      hex: () => [...bytes()].map((b) => b.toString(16).padStart(2, "0")).join(""),
    };
  }
  if (algorithm !== "md5" && algorithm !== "sha256") {
    throw new Error(`No digest for checksum algorithm "${algorithm}".`);
  }
  const hash = createHash(algorithm);
  let done: Uint8Array | undefined;
  const finish = () => done ??= new Uint8Array(hash.digest());
  return {
    update: (chunk) => void hash.update(chunk),
    base64: () => btoa(String.fromCharCode(...finish())),
    hex: () => [...finish()].map((b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

/** How a file is cut into parts for {@link partDigests}: equal parts, or explicit sizes. */
export type PartLayout = { partSize: number } | { sizes: number[] };

/**
 * Each layout's per-part digests of `source` (a file, or a chunk directory's chunks in
 * order) in `algorithm` (base64 for CRCs and sha256, hex for md5, as S3 shows them), reading
 * it once in `blockSize` blocks however many layouts there are: memory stays bounded. Every
 * read goes through the source's proved handles, so bytes of a file swapped or changed
 * meanwhile throw (a NeedsDecisionError) instead of being digested. `onBytes` reports progress.
 */
export async function partDigests(
  source: PartSource,
  algorithm: ChecksumAlgorithm,
  layouts: PartLayout[],
  opts: { blockSize?: number; onBytes?: (n: number) => void } = {},
): Promise<string[][]> {
  const encode = (d: Digest) => algorithm === "md5" ? d.hex() : d.base64();
  const states = layouts.map((layout) => ({
    sizeOf: (i: number) =>
      "partSize" in layout ? layout.partSize : layout.sizes[i] ?? Number.POSITIVE_INFINITY,
    index: 0,
    digest: undefined as Digest | undefined,
    filled: 0,
    out: [] as string[],
  }));
  const buffer = new Uint8Array(opts.blockSize ?? 8 * MiB);
  for await (const block of sourceBlocks(source, buffer)) {
    opts.onBytes?.(block.length);
    for (const s of states) {
      let at = 0;
      while (at < block.length) {
        s.digest ??= newDigest(algorithm);
        const take = Math.min(block.length - at, s.sizeOf(s.index) - s.filled);
        s.digest.update(block.subarray(at, at + take));
        s.filled += take;
        at += take;
        if (s.filled === s.sizeOf(s.index)) {
          s.out.push(encode(s.digest));
          s.digest = undefined;
          s.filled = 0;
          s.index++;
        }
      }
    }
  }
  for (const s of states) if (s.digest) s.out.push(encode(s.digest));
  return states.map((s) => s.out);
}

/** The source's bytes in order, read into `buffer` (each block valid until the next). */
async function* sourceBlocks(source: PartSource, buffer: Uint8Array): AsyncGenerator<Uint8Array> {
  const reader = await source.openReader();
  try {
    // A file is one range; a chunk directory, one range per chunk.
    for (const range of source.parts(Math.max(1, source.fingerprint.size))) {
      yield* reader.slices(range, [buffer]);
    }
  } finally {
    reader.close();
  }
}

/** The whole source's digest (base64; hex for md5). */
export async function fileDigest(
  source: PartSource,
  algorithm: ChecksumAlgorithm,
  onBytes?: (n: number) => void,
): Promise<string> {
  const [[value]] = await partDigests(source, algorithm, [{ partSize: Number.MAX_SAFE_INTEGER }], {
    onBytes,
  });
  return value ?? (algorithm === "md5" ? newDigest("md5").hex() : newDigest(algorithm).base64());
}
