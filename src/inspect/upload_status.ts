import { RESTART, say, type Wording } from "../errors.ts";
import type { UploadedPart } from "../../backends/types.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { needsPartChecksums, partFates } from "../transfer/reconcile.ts";

/** How a recorded upload stands, for `s3mpu status` (and its --json). */
export interface UploadStatus {
  bucket: string;
  key: string;
  uploadId: string;
  /**
   * "uploading": the server holds the upload; "completing": a run began Complete and may
   * have finished it; "gone": the server no longer knows the upload id.
   */
  state: "uploading" | "completing" | "gone";
  partSize: number;
  checksumAlgorithm: string | null;
  /** null when the meta file predates s3mpu (the seed's four keys) and no file was given. */
  totalParts: number | null;
  totalBytes: number | null;
  partsInJournal: number;
  bytesInJournal: number;
  /** null when the upload is gone. */
  partsOnServer: number | null;
  bytesOnServer: number | null;
  /** What the next run would not send again: the server's parts, else the journal's. */
  percentDone: number | null;
  /** Journal parts the server lacks (sent again on resume). */
  journalOnly: number[];
  /** Server parts the journal lacks (a crash between upload and journal; adopted on resume). */
  serverOnly: number[];
  /**
   * Of `serverOnly` (and journaled parts the server holds under another ETag): those the
   * server lists no checksum for although the upload needs one (SeaweedFS). Resume reads
   * them from the file to checksum them (and compares their MD5 with the ETag where ETags
   * are MD5s) instead of sending them again.
   */
  adoptAfterRead: number[];
  /** Server parts of another size than planned: resume sends them again. */
  wrongSize: number[];
  createdAt: string | null;
  ageSeconds: number | null;
  lastRun: LastRun | null;
  purge: PurgeWindow | null;
  /** What the next run will do about what stands out; remedies for the front end to word. */
  warnings: Array<string | Wording>;
}

/** What the most recent run achieved, from the journal's `at` stamps. */
export interface LastRun {
  parts: number;
  bytes: number;
  startedAt: string;
  lastPartAt: string;
  seconds: number;
  /** null when the run finished fewer than two parts' worth of timing. */
  bytesPerSecond: number | null;
}

/** When the store purges the unfinished upload (preset.unfinishedUploadTtlHours). */
export interface PurgeWindow {
  ttlHours: number;
  purgeAt: string;
  secondsLeft: number;
  /** "near": under 25% of the window left; "passed": the store may purge it at any time. */
  level: "ok" | "near" | "passed";
}

/** Part of the window left under which status warns. */
export const PURGE_WARN_FRACTION = 0.25;

/** Entries more than this apart belong to different runs (when the meta gives no anchor). */
const RUN_GAP_MS = 10 * 60_000;

/**
 * Works out an upload's status from its meta, its journal and the server's ListParts
 * (`"gone"` for NoSuchUpload). Pure: `now` and the purge window come from the caller.
 */
export function uploadStatus(opts: {
  meta: UploadMeta;
  journal: Map<number, JournalEntry>;
  server: UploadedPart[] | "gone";
  /** Source size when the meta lacks it (seed meta files) but the file is at hand. */
  sourceSize?: number;
  /** Whether the store's part ETags are MD5s (its preset), as resume assumes. */
  etagIsMd5?: boolean;
  ttlHours: number | null;
  now: Date;
}): UploadStatus {
  const { meta, journal, server, now } = opts;
  // A stream's size and part count are known only once it has ended.
  const stream = meta.source?.kind === "stream";
  const totalBytes = stream ? null : meta.source?.size ?? opts.sourceSize ?? null;
  const totalParts = stream
    ? null
    : meta.partCount ?? (totalBytes !== null ? Math.ceil(totalBytes / meta.splitSize) : null);
  const partBytes = (n: number, recorded?: number) =>
    recorded ??
      (totalBytes !== null
        ? Math.max(0, Math.min(meta.splitSize, totalBytes - (n - 1) * meta.splitSize))
        : meta.splitSize);
  const inRange = (n: number) => totalParts === null || n <= totalParts;
  const journalParts = [...journal.values()].filter((e) => inRange(e.partNumber));
  const bytesInJournal = sum(journalParts.map((e) => partBytes(e.partNumber, e.size)));
  const warnings: Array<string | Wording> = [];
  let partsOnServer: number | null = null;
  let bytesOnServer: number | null = null;
  let journalOnly: number[] = [];
  let serverOnly: number[] = [];
  let adoptAfterRead: number[] = [];
  let wrongSize: number[] = [];
  if (server !== "gone") {
    const remote = server.filter((p) => inRange(p.partNumber));
    partsOnServer = remote.length;
    bytesOnServer = sum(remote.map((p) => partBytes(p.partNumber, p.size)));
    const remoteNumbers = new Set(remote.map((p) => p.partNumber));
    journalOnly = journalParts.map((e) => e.partNumber).filter((n) => !remoteNumbers.has(n));
    serverOnly = [...remoteNumbers].filter((n) => !journal.has(n));
    journalOnly.sort((a, b) => a - b);
    serverOnly.sort((a, b) => a - b);
    if (journalOnly.length > 0) {
      warnings.push(
        `${journalOnly.length} journaled part(s) are not on the server (${
          ranges(journalOnly)
        }); the next run sends them again.`,
      );
    }
    // The same decision resume makes (reconcile.ts), over the planned part sizes when the
    // source size is known.
    if (totalParts !== null) {
      const planned = Array.from({ length: totalParts }, (_, i) => ({
        partNumber: i + 1,
        size: partBytes(i + 1),
      }));
      const fates = partFates({
        planned,
        journal,
        server: totalBytes === null ? remote.map(({ size: _, ...p }) => p) : remote,
        needsChecksum: needsPartChecksums(meta),
      });
      const withFate = (fate: string) =>
        [...fates].filter(([, f]) => f === fate).map(([n]) => n).sort((a, b) => a - b);
      adoptAfterRead = withFate("adopt_after_read");
      wrongSize = withFate("resend_wrong_size");
    }
    const afterRead = new Set(adoptAfterRead);
    const recorded = serverOnly.filter((n) => !afterRead.has(n) && !wrongSize.includes(n));
    if (recorded.length > 0) {
      warnings.push(
        `${recorded.length} part(s) on the server are missing from the journal (${
          ranges(recorded)
        }), probably a run killed between upload and journal; ${
          stream
            ? "the next run sends them again from the stream"
            : "the next run records them from the listing"
        }.`,
      );
    }
    if (adoptAfterRead.length > 0) {
      warnings.push(
        `${adoptAfterRead.length} part(s) on the server are missing from the journal or differ from it (${
          ranges(adoptAfterRead)
        }) and the server lists no ${meta.checksumAlgorithm} checksum for them: the next run reads them from the file to compute it${
          opts.etagIsMd5 ? " and sends again any whose MD5 is not its ETag" : ""
        }, and records the rest without sending them.`,
      );
    }
    if (wrongSize.length > 0) {
      warnings.push(
        `${wrongSize.length} part(s) on the server have another size than planned (${
          ranges(wrongSize)
        }); the next run sends them again.`,
      );
    }
  }
  const state = server === "gone" ? "gone" : meta.completing ? "completing" : "uploading";
  if (state === "gone") {
    warnings.push(
      meta.completing
        ? say`The server no longer knows this upload, and a run had begun completing it: it may be complete. Re-run the same upload command: it checks the object and finishes, or asks for ${RESTART}.`
        : say`The server no longer knows this upload (NoSuchUpload): it was aborted, or purged as unfinished. Re-run the upload with ${RESTART} to start over.`,
    );
  }
  const doneBytes = bytesOnServer ?? bytesInJournal;
  const created = meta.createdAt ? new Date(meta.createdAt) : undefined;
  const ageSeconds = created && !isNaN(created.getTime())
    ? (now.getTime() - created.getTime()) / 1000
    : null;
  const purge = purgeWindow(created, opts.ttlHours, now);
  if (purge && state !== "gone") {
    if (purge.level === "passed") {
      warnings.push(
        say`The store purges unfinished uploads after ${purge.ttlHours} h and this one is ${
          hours(ageSeconds!)
        } old: it may disappear at any moment. Resume now, or expect to need ${RESTART}.`,
      );
    } else if (purge.level === "near") {
      warnings.push(
        `Only ${
          hours(purge.secondsLeft)
        } left before the store purges this unfinished upload (after ${purge.ttlHours} h, at ${purge.purgeAt}); resume soon.`,
      );
    }
  }
  return {
    bucket: meta.bucket,
    key: meta.key,
    uploadId: meta.uploadId,
    state,
    partSize: meta.splitSize,
    checksumAlgorithm: meta.checksumAlgorithm ?? null,
    totalParts,
    totalBytes,
    partsInJournal: journalParts.length,
    bytesInJournal,
    partsOnServer,
    bytesOnServer,
    percentDone: totalBytes ? Math.floor((doneBytes / totalBytes) * 1000) / 10 : null,
    journalOnly,
    serverOnly,
    adoptAfterRead,
    wrongSize,
    createdAt: meta.createdAt ?? null,
    ageSeconds,
    lastRun: lastRun(meta, [...journal.values()], partBytes),
    purge,
    warnings,
  };
}

/**
 * The last run's parts and rate. A run starts when it writes the meta file (initiate, or
 * resume after reconciling), so entries stamped after meta.updatedAt are its parts and the
 * rate is their bytes over the time since then. When the meta gives no such anchor (a run
 * reached Complete, or the meta predates s3mpu), the last group of entries less than ten
 * minutes apart is the run and the rate is measured from its first entry.
 */
export function lastRun(
  meta: Pick<UploadMeta, "updatedAt" | "completing">,
  entries: JournalEntry[],
  partBytes: (partNumber: number, recorded?: number) => number = (_, size) => size ?? 0,
): LastRun | null {
  const stamped = entries
    .map((e) => ({ e, t: e.at ? Date.parse(e.at) : NaN }))
    .filter((x) => !isNaN(x.t))
    .sort((a, b) => a.t - b.t);
  if (stamped.length === 0) return null;
  const anchor = !meta.completing && meta.updatedAt ? Date.parse(meta.updatedAt) : NaN;
  let run = isNaN(anchor) ? [] : stamped.filter((x) => x.t >= anchor);
  let start = anchor;
  let measured = run;
  if (run.length === 0) {
    let first = stamped.length - 1;
    while (first > 0 && stamped[first].t - stamped[first - 1].t <= RUN_GAP_MS) first--;
    run = stamped.slice(first);
    start = run[0].t;
    measured = run.slice(1); // the first entry marks the start; its bytes came before it
  }
  const last = run[run.length - 1].t;
  const seconds = (last - start) / 1000;
  const bytes = sum(run.map((x) => partBytes(x.e.partNumber, x.e.size)));
  const measuredBytes = sum(measured.map((x) => partBytes(x.e.partNumber, x.e.size)));
  return {
    parts: run.length,
    bytes,
    startedAt: new Date(start).toISOString(),
    lastPartAt: new Date(last).toISOString(),
    seconds,
    bytesPerSecond: seconds > 0 && measured.length > 0 ? measuredBytes / seconds : null,
  };
}

/** The purge window for an upload created at `created`, or null when none applies. */
export function purgeWindow(
  created: Date | undefined,
  ttlHours: number | null,
  now: Date,
): PurgeWindow | null {
  if (ttlHours === null || !created || isNaN(created.getTime())) return null;
  const ttlMs = ttlHours * 3600_000;
  const purgeAt = created.getTime() + ttlMs;
  const leftMs = purgeAt - now.getTime();
  return {
    ttlHours,
    purgeAt: new Date(purgeAt).toISOString(),
    secondsLeft: leftMs / 1000,
    level: leftMs <= 0 ? "passed" : leftMs < ttlMs * PURGE_WARN_FRACTION ? "near" : "ok",
  };
}

/** `[1,2,3,7,9,10]` → `1-3, 7, 9-10`; long lists are cut with "…". */
export function ranges(numbers: number[], max = 8): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    out.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return out.length > max ? `${out.slice(0, max).join(", ")}, …` : out.join(", ");
}

function hours(seconds: number): string {
  const h = seconds / 3600;
  return h >= 10
    ? `${Math.round(h)} h`
    : h >= 1
    ? `${h.toFixed(1)} h`
    : `${Math.round(h * 60)} min`;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
