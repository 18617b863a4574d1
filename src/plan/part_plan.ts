import type { BackendLimits } from "../../backends/types.ts";
import { UsageError } from "../errors.ts";
import { MiB } from "../../backends/units.ts";

/** Default part size: 16 MiB keeps 4 workers under 64 MiB of buffers and fits 156 GiB in 10,000 parts. */
export const DEFAULT_PART_SIZE = 16 * MiB;

/** How a file is cut into parts. Every part but the last is `partSize` bytes. */
export interface PartPlan {
  fileSize: number;
  partSize: number;
  partCount: number;
}

/**
 * Chooses the part size for a file within a store's limits.
 *
 * An explicit `requestedPartSize` is honoured exactly or refused with a message that says
 * which value would work; without one the default grows (in whole MiB) until the file fits
 * in `maxParts`. Pure: validation happens here, before any network call.
 */
export function planParts(
  opts: {
    fileSize: number;
    requestedPartSize?: number;
    limits: BackendLimits;
    /** A provider's recommended part size (Storj: 64 MiB), used when larger than ours. */
    preferredPartSize?: number;
  },
): PartPlan {
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
