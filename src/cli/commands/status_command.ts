import { BackendError, ExitCode, UsageError } from "../../errors.ts";
import { type UploadStatus, uploadStatus } from "../../inspect/upload_status.ts";
import { readMeta, type UploadMeta } from "../../state/meta_file.ts";
import { readJournal } from "../../state/parts_journal.ts";
import { checkStatePaths } from "../../state/state_paths.ts";
import type { ProviderPreset } from "../../../backends/presets.ts";
import { type StoreConfig, storeForMeta } from "../backend_config.ts";
import { type Command, defineCommand } from "../command.ts";
import { CONNECTION_OPTIONS, OUTPUT_OPTIONS } from "../common_options.ts";
import { checkUrlMatches } from "../s3_url.ts";
import { STATE_FILE_OPTIONS, stateFilesFromFlags } from "../state_options.ts";
import { storeError, withStore } from "../with_store.ts";
import { cliText } from "../remedy_words.ts";
import { optionsHelp, type OptionSpec, str } from "../parse.ts";
import { formatAge, formatRate } from "../format.ts";
import { formatBytes } from "../../../backends/units.ts";
import { printReport } from "../command.ts";
import { isDirectory } from "../tree_run.ts";
import { refuseFiltersForFile, TREE_FILTER_OPTIONS } from "../tree_target.ts";
import { runTreeStatus } from "../tree_status.ts";

/** Reads the meta file, which must exist. */
async function requireMeta(metaPath: string): Promise<UploadMeta> {
  const meta = await readMeta(metaPath);
  if (!meta) {
    throw new UsageError(
      `No upload is recorded in ${metaPath}: the file does not exist (finished uploads remove their state files). Check -m or -f.`,
    );
  }
  return meta;
}

const STATUS_OPTIONS: OptionSpec[] = [
  ...STATE_FILE_OPTIONS,
  ...TREE_FILTER_OPTIONS,
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
];

const STATUS_HELP = `Usage:
  s3mpu status -m META_FILE [-a PARTS_FILE] [options]
  s3mpu status -f FILE [options]
  s3mpu status FILE [s3://BUCKET/KEY] [options]      # the URL must match the recorded upload
  s3mpu status - s3://BUCKET/KEY [options]           # a stream's upload (upload - s3://…)
  s3mpu status DIR s3://BUCKET/PREFIX/ [filters] [--state-dir DIR] [options]   # a tree job

Shows how an unfinished upload stands, from its state files and the server (ListParts):
parts and bytes done (on the server and in the journal) out of the total, the last run's
rate, the upload's age, the store's preset and limits, and a warning when the store's purge
window for unfinished uploads is near or has passed. Changes nothing.

The store is the one the meta file records (endpoint, provider, region); --endpoint-url,
--provider and --region override it, and the environment fills in what it lacks.

A directory tree (DIR s3://BUCKET/PREFIX/, with the upload's filters and --state-dir, which
name its job): files found (and whether the walk finished), stored, skipped, failed (the first
reasons) and left, bytes, the multipart uploads in flight (key, upload id, parts journaled) and
what the next run does, from the job's journal alone: no request, no lock, nothing written, so
it also reports on a running upload (and says it runs, with its pid). --json keys:
docs/trees.md. Exit 0, or 4 when the state directory holds no such job.

Options:
${optionsHelp(STATUS_OPTIONS)}

Output: a report on stdout; with --json, one object (bucket, key, uploadId, state,
totalParts, partsOnServer, partsInJournal, totalBytes, bytesOnServer, bytesInJournal,
percentDone, partSize, journalOnly, serverOnly, adoptAfterRead, wrongSize, lastRun,
ageSeconds, provider, limits, purge, warnings, …). The warnings say what the next run does
with parts the journal and the server disagree on: the same decision the run makes.

Exit codes: 0 reported · 2 bad usage, or no upload recorded · 3 the server could not be
asked · 4 the server no longer knows the upload (resume with --restart).

Examples:
  s3mpu status -f db.tar
  s3mpu status -m input_meta.json -a input_parts.jsonl --json
  s3mpu status photos s3://my-bucket/photos/ --exclude '*.tmp'
`;

/** `s3mpu status`. */
export const statusCommand: Command = defineCommand({
  name: "status",
  summary: "show how an unfinished upload stands (parts, bytes, rate, age, purge window)",
  help: STATUS_HELP,
  options: STATUS_OPTIONS,
  run: async (flags, logger, args) => {
    if (await isDirectory(str(flags, "file-path"))) {
      return await runTreeStatus(flags, logger, args, STATUS_OPTIONS);
    }
    refuseFiltersForFile(flags, "status");
    // A FIFO or device as -m/-a would hang or mislead the read: the state path rules apply.
    const { metaPath, partsPath } = await checkStatePaths(stateFilesFromFlags(flags, "status"));
    const meta = await requireMeta(metaPath);
    checkUrlMatches(flags, meta, metaPath); // `s3mpu status s3://b/k -f FILE`
    const journal = await readJournal(partsPath, meta.uploadId);
    for (const warning of journal.warnings) logger.warn(warning);
    const sourceSize = meta.source ? undefined : await fileSize(str(flags, "file-path"));
    const store = await storeForMeta(flags, meta, logger);
    const server = await withStore(store, logger, async ({ backend }, signal) => {
      try {
        return await backend.listParts(
          { bucket: meta.bucket, key: meta.key, uploadId: meta.uploadId },
          signal,
        );
      } catch (error) {
        if (!(error instanceof BackendError && error.kind === "no_such_upload")) {
          throw storeError(error, "list the upload's parts on the server");
        }
        return "gone" as const;
      }
    }, { json: flags.json === true });
    const found = uploadStatus({
      meta,
      journal: journal.parts,
      server,
      sourceSize,
      etagIsMd5: store.preset.etagIsMd5,
      ttlHours: store.preset.unfinishedUploadTtlHours,
      now: new Date(),
    });
    const status = { ...found, warnings: found.warnings.map(cliText) };
    const report = statusJson(status, { meta, metaPath, partsPath, store });
    printReport(flags, statusText(status, report));
    return {
      exitCode: status.state === "gone" ? ExitCode.needsDecision : ExitCode.ok,
      json: report,
    };
  },
});

/** The status as shown: its warnings in the CLI's words. */
type ShownStatus = Omit<UploadStatus, "warnings"> & { warnings: string[] };

async function fileSize(path: string | undefined): Promise<number | undefined> {
  if (path === undefined) return undefined;
  return await Deno.stat(path).then((s) => s.size, () => undefined);
}

/** The --json object: the status plus where it came from and what to do next. */
function statusJson(
  status: ShownStatus,
  ctx: { meta: UploadMeta; metaPath: string; partsPath: string; store: StoreConfig },
) {
  const { preset } = ctx.store;
  return {
    ...status,
    metaFile: ctx.metaPath,
    partsFile: ctx.partsPath,
    source: ctx.meta.source ?? null,
    endpoint: ctx.store.endpoint ?? null,
    region: ctx.store.region ?? null,
    provider: preset.name,
    providerTitle: preset.title,
    limits: { ...preset.limits },
    etagIsMd5: preset.etagIsMd5,
    unfinishedUploadTtlHours: preset.unfinishedUploadTtlHours,
    next: nextStep(status, ctx.metaPath),
  };
}

function nextStep(status: ShownStatus, metaPath: string): string {
  const abort = `s3mpu abort -m ${metaPath}`;
  switch (status.state) {
    case "gone":
      return status.warnings[status.warnings.length - 1] ?? "";
    case "completing":
      return `Re-run the same upload command to finish; ${abort} discards the upload instead.`;
    default:
      return `Re-run the same upload command to resume; ${abort} discards the upload and its parts instead.`;
  }
}

/** The human report. */
function statusText(status: ShownStatus, report: ReturnType<typeof statusJson>): string {
  const lines: string[] = [`Upload s3://${status.bucket}/${status.key}`];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(14)}${value}`);
  row("Upload id:", status.uploadId);
  const total = status.totalParts ?? "?";
  if (status.state === "gone") {
    row("State:", `gone from the server; ${status.partsInJournal} of ${total} parts journaled`);
  } else {
    row(
      "State:",
      `${status.state}: ${status.partsOnServer} of ${total} parts on the server, ${status.partsInJournal} in the journal`,
    );
  }
  const done = status.bytesOnServer ?? status.bytesInJournal;
  row(
    "Bytes:",
    `${formatBytes(done)} of ${status.totalBytes === null ? "?" : formatBytes(status.totalBytes)}${
      status.percentDone === null ? "" : ` (${status.percentDone}%)`
    }`,
  );
  row(
    "Part size:",
    `${formatBytes(status.partSize)} (${status.partSize} bytes), checksum ${
      status.checksumAlgorithm ?? "md5 (seed)"
    }`,
  );
  if (report.source?.kind === "stream") {
    row(
      "Source:",
      "a stream (standard input, a FIFO or <(…)), size unknown until its end; to resume, feed the same stream to the same upload command",
    );
  } else if (report.source) {
    row(
      "Source:",
      `${report.source.path}, modified ${new Date(report.source.mtimeMs).toISOString()}`,
    );
  }
  const run = status.lastRun;
  if (run) {
    const ago = formatAge((Date.now() - Date.parse(run.lastPartAt)) / 1000);
    row(
      "Last run:",
      `${run.parts} part(s), ${formatBytes(run.bytes)} in ${formatAge(run.seconds)}${
        run.bytesPerSecond === null ? "" : ` at ${formatRate(run.bytesPerSecond)}`
      }; last part ${ago} ago`,
    );
  } else {
    row("Last run:", "no timing in the journal (written by an older version)");
  }
  row(
    "Age:",
    status.ageSeconds === null
      ? "unknown (the meta file has no creation time)"
      : `${formatAge(status.ageSeconds)} (created ${status.createdAt})`,
  );
  row("Store:", storeText(report));
  row("State files:", `${report.metaFile}, ${report.partsFile}`);
  for (const warning of status.warnings) lines.push(`Warning: ${warning}`);
  if (status.state !== "gone") lines.push(`Next: ${report.next}`);
  return lines.join("\n");
}

function storeText(report: {
  providerTitle: string;
  provider: string;
  endpoint: string | null;
  limits: ProviderPreset["limits"];
  purge: UploadStatus["purge"];
  unfinishedUploadTtlHours: number | null;
}): string {
  const { limits, purge } = report;
  const purgeText = purge
    ? `unfinished uploads purged after ${purge.ttlHours} h (${
      purge.secondsLeft > 0 ? `in ${formatAge(purge.secondsLeft)}` : "window passed"
    })`
    : report.unfinishedUploadTtlHours === null
    ? "no default purge of unfinished uploads"
    : `unfinished uploads purged after ${report.unfinishedUploadTtlHours} h`;
  return `${report.providerTitle} (${report.provider}) at ${report.endpoint ?? "AWS"}; parts ${
    formatBytes(limits.minPartSize)
  } to ${formatBytes(limits.maxPartSize)}, at most ${limits.maxParts}${
    limits.equalPartSizes ? ", equal sizes" : ""
  }; ${purgeText}`;
}
