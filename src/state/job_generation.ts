import type { JobDir } from "./job_dir.ts";
import {
  type AbandonRecord,
  encodeRecord,
  type HeaderRecord,
  JOB_FORMAT_VERSION,
} from "./job_records.ts";
import { fileRecords, type GenerationScan, scanGeneration, unsettledCount } from "./job_scan.ts";

/**
 * Which generation a run writes and what it reads, decided from the journals on disk:
 *
 * - none yet: generation 1, a fresh walk;
 * - the newest generation's walk is incomplete (killed while walking): continue it, its
 *   unsettled files first, then the walk after its cursor, merged with its baseline if it has one;
 * - its walk is complete and some files are unsettled, and no run gave every file an outcome
 *   (killed while uploading): continue it, its unsettled files only, no walk;
 * - its walk is complete and settled, or a run ended giving every file an outcome (some may
 *   have failed): start the next generation with it as the baseline, a fresh walk;
 * - `force`: start the next generation with no baseline, nothing inherited; the open uploads of
 *   the generations it replaces are recorded in it as abandoned, to be aborted.
 *
 * Generations other than the one written and its baseline are removed once the written one
 * exists on disk.
 */
export interface RunPlan {
  /** The generation this run appends to, as scanned (empty for a new one). */
  current: GenerationScan;
  /** Whether the current generation's own unsettled files are handed out again first. */
  continuing: boolean;
  /** The complete generation the walk is merged with. */
  baseline?: GenerationScan;
  /** What the run found on disk, for one log line. */
  note: string;
}

/** Decides the run's generation (see {@link RunPlan}), creating and removing journals as needed. */
export async function planRun(
  dir: JobDir,
  options: { force?: boolean; onWarning?: (message: string) => void },
): Promise<RunPlan> {
  const newest = await newestGeneration(dir, options.onWarning);
  const baselineOf = async (scan: GenerationScan) => {
    if (scan.baseline === undefined) return undefined;
    const found = await scanGeneration(dir.journalPath(scan.baseline));
    if (!found || !found.walkComplete) {
      options.onWarning?.(
        `The baseline journal of generation ${scan.generation} is missing or incomplete; files it recorded as stored are uploaded again.`,
      );
      return undefined;
    }
    return found;
  };
  let plan: RunPlan;
  if (options.force) {
    const replaced = newest ? [newest] : [];
    const oldBaseline = newest && !newest.walkComplete ? await baselineOf(newest) : undefined;
    if (oldBaseline) replaced.push(oldBaseline);
    const abandoned = await openUploadsOf(dir, replaced);
    const current = await createGeneration(dir, (newest?.generation ?? 0) + 1, undefined, {
      force: true,
      abandoned,
    });
    plan = { current, continuing: false, note: `generation ${current.generation}, forced` };
  } else if (!newest) {
    const current = await createGeneration(dir, 1, undefined, { abandoned: [] });
    plan = { current, continuing: false, note: "generation 1, a new job" };
  } else if (!newest.walkComplete) {
    const baseline = await baselineOf(newest);
    plan = {
      current: newest,
      continuing: true,
      ...(baseline ? { baseline } : {}),
      note: `generation ${newest.generation} continued: walk interrupted`,
    };
  } else if (newest.ended || unsettledCount(newest) === 0) {
    const current = await createGeneration(dir, newest.generation + 1, newest.generation, {
      abandoned: [...newest.abandoned.values()],
    });
    plan = {
      current,
      continuing: false,
      baseline: newest,
      note: `generation ${current.generation}, changes since generation ${newest.generation}`,
    };
  } else {
    plan = {
      current: newest,
      continuing: true,
      note: `generation ${newest.generation} continued: ${unsettledCount(newest)} files unsettled`,
    };
  }
  for (const generation of await dir.generations()) {
    if (generation !== plan.current.generation && generation !== plan.baseline?.generation) {
      await dir.removeGeneration(generation);
    }
  }
  return plan;
}

/**
 * The newest generation with a valid header. A journal without one was never created whole
 * (creation is atomic, so only damage leaves one): it is removed and the one before is used.
 */
async function newestGeneration(
  dir: JobDir,
  onWarning?: (message: string) => void,
): Promise<GenerationScan | undefined> {
  const generations = await dir.generations();
  for (let k = generations.length - 1; k >= 0; k--) {
    const scan = await scanGeneration(dir.journalPath(generations[k]));
    if (scan && scan.generation === generations[k]) {
      if (scan.cutBytes > 0) {
        onWarning?.(
          `Ignored the last ${scan.cutBytes} bytes of ${
            dir.journalPath(generations[k])
          } (a write torn by a crash); the work they recorded is redone.`,
        );
      }
      return scan;
    }
    onWarning?.(`Removed ${dir.journalPath(generations[k])}: it has no valid header.`);
    await dir.removeGeneration(generations[k]);
  }
  return undefined;
}

/** Creates generation `g` holding its header and the abandoned uploads carried into it. */
async function createGeneration(
  dir: JobDir,
  generation: number,
  baseline: number | undefined,
  options: { force?: boolean; abandoned: AbandonRecord[] },
): Promise<GenerationScan> {
  const header: HeaderRecord = {
    t: "h",
    v: JOB_FORMAT_VERSION,
    g: generation,
    ...(baseline !== undefined ? { b: baseline } : {}),
    ...(options.force ? { force: true as const } : {}),
  };
  // Carried without a file id: ids are local to the generation that gave them.
  const abandoned = options.abandoned.map(({ p, u }): AbandonRecord => ({ t: "a", p, u }));
  await dir.createGeneration(generation, [header, ...abandoned].map(encodeRecord));
  const scan = await scanGeneration(dir.journalPath(generation));
  if (!scan) throw new Error(`The new journal ${dir.journalPath(generation)} did not read back.`);
  return scan;
}

/**
 * Every upload the given generations leave open: their abandoned ones not yet aborted and the
 * open uploads of their unsettled files (paths found by one streamed pass over each).
 */
async function openUploadsOf(dir: JobDir, scans: GenerationScan[]): Promise<AbandonRecord[]> {
  const found = new Map<string, AbandonRecord>();
  for (const scan of scans) {
    for (const record of scan.abandoned.values()) found.set(record.u, record);
    if (scan.inFlight.size === 0) continue;
    const path = dir.journalPath(scan.generation);
    for await (const batch of fileRecords(path, scan.validLength)) {
      for (const file of batch) {
        const open = scan.inFlight.get(file.i);
        if (open) found.set(open.upload.u, { t: "a", p: file.p, u: open.upload.u });
      }
    }
  }
  return [...found.values()];
}
