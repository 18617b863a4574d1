import type { ChecksumAlgorithm } from "../../backends/types.ts";
import { type ChecksumHasher, checksumHasher } from "../../backends/checksum.ts";
import { MiB } from "../../backends/units.ts";

/** How a file is cut into parts for {@link partDigests}: equal parts, or explicit sizes. */
export type PartLayout = { partSize: number } | { sizes: number[] };

/**
 * Each layout's per-part digests of `path` in `algorithm` (base64 for CRCs and sha256, hex
 * for md5, as S3 shows them), reading the file once in `blockSize` blocks however many
 * layouts there are: memory stays bounded. `onBytes` reports progress.
 */
export async function partDigests(
  path: string,
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
  const file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(opts.blockSize ?? 8 * MiB);
  try {
    for (;;) {
      const n = await file.read(buffer);
      if (n === null) break;
      const block = buffer.subarray(0, n);
      opts.onBytes?.(n);
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
  } finally {
    file.close();
  }
  for (const s of states) if (s.digest) s.out.push(encode(s.digest));
  return states.map((s) => s.out);
}

/** The whole file's digest (base64; hex for md5). */
export async function fileDigest(
  path: string,
  algorithm: ChecksumAlgorithm,
  onBytes?: (n: number) => void,
): Promise<string> {
  const [[value]] = await partDigests(path, algorithm, [{ partSize: Number.MAX_SAFE_INTEGER }], {
    onBytes,
  });
  return value ??
    (algorithm === "md5" ? checksumHasher("md5").hex() : checksumHasher(algorithm).value());
}
