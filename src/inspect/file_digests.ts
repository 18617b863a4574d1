import type { ChecksumAlgorithm } from "../../backends/types.ts";
import { type ChecksumHasher, checksumHasher } from "../../backends/checksum.ts";
import { MiB } from "../../backends/units.ts";
import type { PartSource } from "../plan/part_source.ts";
import { sourceParts } from "../plan/part_plan.ts";

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
  const encode = (d: ChecksumHasher) => algorithm === "md5" ? d.hex() : d.value();
  const states = layouts.map((layout) => ({
    sizeOf: (i: number) =>
      "partSize" in layout ? layout.partSize : layout.sizes[i] ?? Number.POSITIVE_INFINITY,
    index: 0,
    digest: undefined as ChecksumHasher | undefined,
    filled: 0,
    out: [] as string[],
  }));
  const buffer = new Uint8Array(opts.blockSize ?? 8 * MiB);
  for await (const block of sourceBlocks(source, buffer)) {
    opts.onBytes?.(block.length);
    for (const s of states) {
      let at = 0;
      while (at < block.length) {
        s.digest ??= checksumHasher(algorithm);
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
    for (const range of sourceParts(source, Math.max(1, source.fingerprint.size))) {
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
  return value ??
    (algorithm === "md5" ? checksumHasher("md5").hex() : checksumHasher(algorithm).value());
}
