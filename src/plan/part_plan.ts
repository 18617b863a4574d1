import type { BackendLimits } from "../../backends/types.ts";
import { UsageError } from "../errors.ts";
import { MiB } from "../../backends/units.ts";
import type { SourcePart } from "./part_source.ts";

/** Default part size: 16 MiB keeps 4 workers under 64 MiB of buffers and fits 156 GiB in 10,000 parts. */
export const DEFAULT_PART_SIZE = 16 * MiB;

/**
 * How a source is cut into parts. Every part but the last is `partSize` bytes; a chunk
 * directory's parts are its chunks (`chunkSizes`, in part order).
 */
export interface PartPlan {
  fileSize: number;
  partSize: number;
  partCount: number;
  chunkSizes?: readonly number[];
}

/** What the planner needs of a source: its size, and its chunks' sizes if it is pre-split. */
export interface PlanInput {
  /** Bytes in all. */
  fileSize: number;
  /** A chunk directory's chunk sizes in part order: each chunk is one part. */
  chunkSizes?: readonly number[];
  /** The user's -s, if given. */
  requestedPartSize?: number;
  limits: BackendLimits;
  /** A provider's recommended part size (Storj: 64 MiB), used when larger than ours. */
  preferredPartSize?: number;
}

/**
 * The one part planner, for files and chunk directories, within a store's limits.
 *
 * A file: an explicit `requestedPartSize` is honoured exactly or refused with a message that
 * says which value would work; without one the default grows (in whole MiB) until the file
 * fits in `maxParts`. Chunks: one part per chunk, checked against the limits (see
 * {@link planChunks}). Pure: validation happens here, before any network call.
 */
export function planParts(opts: PlanInput): PartPlan {
  if (opts.chunkSizes) return planChunks(opts.chunkSizes, opts.limits, opts.requestedPartSize);
  const { fileSize, requestedPartSize, limits } = opts;
  if (!Number.isSafeInteger(fileSize) || fileSize <= 0) {
    throw new UsageError("The file is empty; there is nothing to upload.");
  }
  if (fileSize > limits.maxObjectSize) {
    throw new UsageError(
      `The file is ${fileSize} bytes, larger than the store's object limit of ${limits.maxObjectSize} bytes.`,
    );
  }
  if (requestedPartSize !== undefined) {
    checkRequestedPartSize(requestedPartSize, fileSize, limits);
    return plan(fileSize, requestedPartSize);
  }
  let partSize = Math.max(DEFAULT_PART_SIZE, limits.minPartSize, opts.preferredPartSize ?? 0);
  if (Math.ceil(fileSize / partSize) > limits.maxParts) {
    partSize = Math.ceil(fileSize / limits.maxParts / MiB) * MiB;
  }
  if (partSize > limits.maxPartSize) {
    throw new UsageError(
      `The file is too large for ${limits.maxParts} parts of at most ${limits.maxPartSize} bytes.`,
    );
  }
  return plan(fileSize, partSize);
}

/**
 * The plan of a chunk directory: one part per chunk. Every chunk but the last must meet the
 * store's minimum part size (a single chunk of any size is a valid one-part upload), none may
 * exceed the maximum, and there may be at most the store's part count. `-s` does not choose
 * anything here: when given it must equal the chunks' size (for one chunk: at least its size).
 */
function planChunks(
  sizes: readonly number[],
  limits: BackendLimits,
  requestedPartSize?: number,
): PartPlan {
  const partSize = sizes[0];
  const total = sizes.reduce((n, size) => n + size, 0);
  if (
    requestedPartSize !== undefined &&
    (sizes.length > 1 ? requestedPartSize !== partSize : requestedPartSize < partSize)
  ) {
    throw new UsageError(
      `-s ${requestedPartSize} does not match the chunks: with -d each chunk is one part, and these are ${partSize} bytes. Omit -s (or pass -s ${partSize}); to change the part size, split the file again.`,
    );
  }
  if (sizes.length > 1 && partSize < limits.minPartSize) {
    throw new UsageError(
      `The chunks are ${partSize} bytes, below the store's minimum part size of ${limits.minPartSize} bytes; every chunk but the last must be at least that. Split the file again into larger chunks (or upload it whole with -f).`,
    );
  }
  const big = sizes.findIndex((size) => size > limits.maxPartSize);
  if (big >= 0) {
    throw new UsageError(
      `Chunk ${big + 1} is ${
        sizes[big]
      } bytes, above the store's maximum part size of ${limits.maxPartSize} bytes; split the file again into smaller chunks.`,
    );
  }
  if (sizes.length > limits.maxParts) {
    throw new UsageError(
      `There are ${sizes.length} chunks; the store allows at most ${limits.maxParts} parts. Split the file again into fewer, larger chunks.`,
    );
  }
  if (total > limits.maxObjectSize) {
    throw new UsageError(
      `The chunks hold ${total} bytes, more than the store's object limit of ${limits.maxObjectSize} bytes.`,
    );
  }
  return { fileSize: total, partSize, partCount: sizes.length, chunkSizes: sizes };
}

function checkRequestedPartSize(size: number, fileSize: number, limits: BackendLimits): void {
  if (size < limits.minPartSize) {
    throw new UsageError(
      `Split size ${size} is below the store's minimum part size of ${limits.minPartSize} bytes (${
        limits.minPartSize / MiB
      } MiB); use -s ${limits.minPartSize} or more.`,
    );
  }
  if (size > limits.maxPartSize) {
    throw new UsageError(
      `Split size ${size} is above the store's maximum part size of ${limits.maxPartSize} bytes; use a smaller -s.`,
    );
  }
  const parts = Math.ceil(fileSize / size);
  if (parts > limits.maxParts) {
    const needed = Math.ceil(fileSize / limits.maxParts);
    throw new UsageError(
      `Split size ${size} would make ${parts} parts; the store allows ${limits.maxParts}. Use -s ${needed} or more, or omit -s to choose automatically.`,
    );
  }
}

function plan(fileSize: number, partSize: number): PartPlan {
  return { fileSize, partSize, partCount: Math.ceil(fileSize / partSize) };
}

/** Why a recorded upload cannot go on with the part size it began with. */
export type ReplanConflict =
  /** The chunks are now `partSize` bytes each, not the recorded size. */
  | { conflict: "chunk_size"; partSize: number }
  /** The user asked for another split size than the recorded one. */
  | { conflict: "split_size"; requested: number }
  /** The recorded split size no longer fits the store's limits (the planner's reason). */
  | { conflict: "invalid"; reason: string };

/**
 * The plan of a recorded upload, which must keep the part size it began with
 * (`recordedPartSize`): the same plan, or why it cannot be.
 */
export function replanParts(
  opts: Omit<PlanInput, "preferredPartSize"> & { recordedPartSize: number },
): { plan: PartPlan } | ReplanConflict {
  const recorded = opts.recordedPartSize;
  if (opts.chunkSizes) {
    const plan = planParts(opts);
    return plan.partSize === recorded
      ? { plan }
      : { conflict: "chunk_size", partSize: plan.partSize };
  }
  const wanted = opts.requestedPartSize;
  if (wanted !== undefined && wanted !== recorded) {
    return { conflict: "split_size", requested: wanted };
  }
  try {
    return { plan: planParts({ ...opts, requestedPartSize: recorded }) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { conflict: "invalid", reason: error.message };
  }
}

/** The plan's parts in order: its chunks, or the file cut into `partSize` pieces. */
export function plannedParts(plan: PartPlan): SourcePart[] {
  if (plan.chunkSizes) {
    let offset = 0;
    return plan.chunkSizes.map((size, i) => {
      const part = { partNumber: i + 1, offset, size };
      offset += size;
      return part;
    });
  }
  const { fileSize: size, partSize, partCount } = plan;
  return Array.from({ length: partCount }, (_, i) => ({
    partNumber: i + 1,
    offset: i * partSize,
    size: Math.min(partSize, size - i * partSize),
  }));
}

/**
 * A source cut into parts of `partSize` (a chunk directory: its chunks), with no limits
 * checked: for reads of a source that need no upload plan (verify's digests, tests).
 */
export function sourceParts(
  source: { fingerprint: { size: number }; chunkSizes?: readonly number[] },
  partSize: number,
): SourcePart[] {
  const fileSize = source.fingerprint.size;
  return plannedParts({
    fileSize,
    partSize,
    partCount: Math.ceil(fileSize / partSize),
    ...(source.chunkSizes ? { chunkSizes: source.chunkSizes } : {}),
  });
}
