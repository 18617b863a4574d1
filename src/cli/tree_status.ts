/**
 * `s3mpu status DIR s3://BUCKET/PREFIX/`: how a tree job stands, from its journal alone. It
 * never takes the job's lock and never writes, so it reports on a running upload too (and says
 * that one runs). Keys of --json: docs/trees.md "Status, abort and verify of a tree".
 *
 * @module
 */
import { formatBytes } from "../../backends/units.ts";
import { ExitCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import { lockHolder, nextRunText, readGenerations } from "../state/job_view.ts";
import { type CommandOutcome, printReport } from "./command.ts";
import type { Flags, OptionSpec } from "./parse.ts";
import { cliText } from "./remedy_words.ts";
import { existingJob, jobWords, treeTarget } from "./tree_target.ts";

/** Reports on the tree job the flags name; exit 4 when there is none. */
export async function runTreeStatus(
  flags: Flags,
  logger: Logger,
  args: string[],
  specs: OptionSpec[],
): Promise<CommandOutcome> {
  const { plan, store } = await treeTarget(flags, args, specs, logger);
  store.backend.close(); // status reads the journal only: the store is not asked
  const job = await existingJob(plan, "needs-decision");
  const pid = await lockHolder(job.path);
  const [newest] = await readGenerations(job.path);
  if (newest && newest.cutBytes > 0 && pid === undefined) {
    logger.warn(
      `The last ${newest.cutBytes} bytes of generation ${newest.generation}'s journal are not a whole record (a write torn by a crash): the next run redoes what they recorded.`,
    );
  }
  const key = (path: string) => plan.prefix + path;
  const report = {
    jobId: job.jobId,
    stateDir: job.path,
    source: plan.identity.source,
    bucket: plan.bucket,
    prefix: plan.prefix,
    endpoint: store.endpoint ?? null,
    running: pid !== undefined,
    pid: pid === undefined || pid === 0 ? null : pid,
    generation: newest?.generation ?? null,
    walkComplete: newest?.walkComplete ?? false,
    files: newest?.files ?? { found: 0, done: 0, skipped: 0, failed: 0, left: 0 },
    bytes: newest?.bytes ?? { total: 0, done: 0 },
    failures: (newest?.failures ?? []).map((f) => ({ ...f, message: cliText(f.message) })),
    inFlight: (newest?.inFlight ?? []).map((u) => ({ ...u, key: key(u.path) })),
    abandoned: (newest?.abandoned ?? []).map((a) => ({ ...a, key: key(a.path) })),
    next: pid !== undefined
      ? `A run (pid ${pid || "unknown"}) drives the job now; once it ends: ${nextRunText(newest)}`
      : nextRunText(newest),
  };
  printReport(flags, statusText(report, jobWords(plan.identity)));
  return { exitCode: ExitCode.ok, json: report };
}

type Report = {
  jobId: string;
  stateDir: string;
  running: boolean;
  pid: number | null;
  generation: number | null;
  walkComplete: boolean;
  files: { found: number; done: number; skipped: number; failed: number; left: number };
  bytes: { total: number; done: number };
  failures: Array<{ path: string; code: string; message: string }>;
  inFlight: Array<{ key: string; uploadId: string; partsJournaled: number; completing: boolean }>;
  abandoned: unknown[];
  next: string;
};

/** The human report: one row per fact, the open uploads and first failures under them. */
function statusText(report: Report, words: string): string {
  const lines = [`Tree job ${report.jobId}: ${words}`];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(12)}${value}`);
  row(
    "Run:",
    report.running
      ? `running now (pid ${
        report.pid ?? "unknown"
      } holds the job's lock); this report is of the journal so far`
      : "no run holds the job",
  );
  const { files, bytes } = report;
  if (report.generation === null) {
    row("Files:", "none recorded yet (no journal)");
  } else {
    row(
      "Files:",
      `${files.found} found${
        report.walkComplete ? " (the walk finished)" : " so far (the walk has not finished)"
      }: ${files.done} stored, ${files.skipped} skipped, ${files.failed} failed, ${files.left} left`,
    );
    const percent = bytes.total > 0 ? ` (${Math.floor((bytes.done / bytes.total) * 100)}%)` : "";
    row("Bytes:", `${formatBytes(bytes.done)} of ${formatBytes(bytes.total)}${percent}`);
  }
  row("In flight:", `${report.inFlight.length} multipart uploads`);
  for (const upload of report.inFlight) {
    lines.push(
      `    ${upload.key}: upload ${upload.uploadId}, ${upload.partsJournaled} parts journaled${
        upload.completing ? ", completing" : ""
      }`,
    );
  }
  for (const failure of report.failures) {
    lines.push(`  Failed:     ${failure.path}: ${failure.message} (${failure.code})`);
  }
  if (files.failed > report.failures.length) {
    lines.push(
      `  ... and ${
        files.failed - report.failures.length
      } more failed (--json names the first ones)`,
    );
  }
  if (report.abandoned.length > 0) {
    row("Given up:", `${report.abandoned.length} uploads to abort (their files changed or went)`);
  }
  row("State:", report.stateDir);
  lines.push(`Next: ${report.next}`);
  return lines.join("\n");
}
