/**
 * How a stream of unknown length is cut into parts. A file's size is known before the first
 * part, so its part size is chosen once; a stream's is not, so its parts follow a schedule
 * that lets it grow to the store's object limit within the store's part count: equal parts
 * of `partSize` up to part `growAfter`, then twice as large every `growEvery` parts, never
 * above `maxPartSize`. A store that needs equal parts (R2) gets one size throughout, chosen
 * so the object limit fits (docs/pipes.md). The schedule is recorded in the meta file, so a
 * resumed run cuts the stream where the interrupted one did.
 *
 * @module
 */
import type { BackendLimits } from "../../backends/types.ts";
import { MiB } from "../../backends/units.ts";
import { UsageError } from "../errors.ts";
import { DEFAULT_PART_SIZE } from "./part_plan.ts";

/** A stream's part schedule (recorded in the meta file as `splitSize` and `partGrowth`). */
export interface StreamPlan {
  /** The size of part 1 and of every part up to `growAfter`. */
  partSize: number;
  growth: PartGrowth;
}

/** How the parts grow after the first ones; `every: 0` means they never grow. */
export interface PartGrowth {
  /** The last part of `partSize` bytes. */
  after: number;
  /** Parts per doubling after that (0: never grows). */
  every: number;
  /** No part is larger than this (the store's maximum part size). */
  max: number;
}

/** What the stream planner needs: the user's -s and --expected-size, and the store's rules. */
export interface StreamPlanInput {
  requestedPartSize?: number;
  expectedSize?: number;
  limits: BackendLimits;
  preferredPartSize?: number;
}

/**
 * The schedule for a new stream upload. -s is the first parts' size; else the default (or
 * the provider's preference), grown in whole MiB so `--expected-size` fits in the equal
 * parts. Where parts may differ, 90% of the part count go to the expected size and the rest
 * double in ten steps (sooner, if that would not reach the object limit); where they may not, the one size must fit the expected size (or,
 * without one, the store's object limit) in the part count.
 */
export function planStream(opts: StreamPlanInput): StreamPlan {
  const { limits, expectedSize, requestedPartSize } = opts;
  if (expectedSize !== undefined && expectedSize > limits.maxObjectSize) {
    throw new UsageError(
      `--expected-size ${expectedSize} is larger than the store's object limit of ${limits.maxObjectSize} bytes.`,
    );
  }
  const equal = limits.equalPartSizes;
  const equalParts = equal ? limits.maxParts : Math.floor(limits.maxParts * 0.9);
  const target = expectedSize ?? (equal ? limits.maxObjectSize : undefined);
  let partSize = requestedPartSize ??
    Math.max(DEFAULT_PART_SIZE, limits.minPartSize, opts.preferredPartSize ?? 0);
  if (requestedPartSize === undefined && target !== undefined) {
    partSize = Math.max(partSize, Math.ceil(target / equalParts / MiB) * MiB);
  }
  if (partSize < limits.minPartSize || partSize > limits.maxPartSize) {
    throw new UsageError(
      `Split size ${partSize} is outside the store's part sizes (${limits.minPartSize} to ${limits.maxPartSize} bytes); pass another -s.`,
    );
  }
  if (equal) return { partSize, growth: { after: limits.maxParts, every: 0, max: partSize } };
  const after = expectedSize === undefined
    ? Math.floor(limits.maxParts / 10)
    : Math.max(1, Math.min(equalParts, Math.ceil(expectedSize / partSize)));
  let plan: StreamPlan = {
    partSize,
    growth: {
      after,
      every: Math.max(1, Math.ceil((limits.maxParts - after) / 10)),
      max: limits.maxPartSize,
    },
  };
  // Large first parts leave few to grow in: they then double sooner, to reach the limit.
  while (plan.growth.every > 1 && streamCapacity(plan, limits.maxParts) < limits.maxObjectSize) {
    plan = { partSize, growth: { ...plan.growth, every: Math.ceil(plan.growth.every / 2) } };
  }
  return plan;
}

/** The size part `partNumber` has in the schedule (the stream's last part may be shorter). */
export function streamPartSize(plan: StreamPlan, partNumber: number): number {
  const { after, every, max } = plan.growth;
  if (partNumber <= after || every === 0) return plan.partSize;
  const doublings = Math.floor((partNumber - after - 1) / every) + 1;
  return Math.min(max, plan.partSize * 2 ** Math.min(doublings, 40));
}

/** The most a stream can hold within `maxParts` parts of the schedule. */
export function streamCapacity(plan: StreamPlan, maxParts: number): number {
  let total = 0;
  for (let n = 1; n <= maxParts; n++) total += streamPartSize(plan, n);
  return total;
}

/** The schedule a meta file records, or undefined when it records none (not a stream). */
export function recordedStreamPlan(
  meta: { splitSize: number; partGrowth?: PartGrowth },
): StreamPlan | undefined {
  return meta.partGrowth ? { partSize: meta.splitSize, growth: meta.partGrowth } : undefined;
}
