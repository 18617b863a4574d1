import type { Backend, MultipartUploadInfo } from "../../../backends/types.ts";
import type { Logger } from "../../log.ts";
import { runningHolder } from "../../state/active_uploads.ts";
import { inUseText, type ListedUpload, listedUploads } from "../list_rows.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import { resolveStore } from "../backend_config.ts";
import { type Command, defineCommand, printReport } from "../command.ts";
import {
  bucketOption,
  CONNECTION_OPTIONS,
  OUTPUT_OPTIONS,
  requiredBucket,
} from "../common_options.ts";
import { optionsHelp, type OptionSpec, str } from "../parse.ts";
import { formatAge } from "../format.ts";
import { parseDuration } from "../values.ts";
import { abortOne, storeError, withStore } from "../with_store.ts";
import { userMessage } from "../remedy_words.ts";

const LIST_OPTIONS: OptionSpec[] = [
  bucketOption("The bucket to look in."),
  {
    long: "prefix",
    short: "p",
    type: "string",
    value: "PREFIX",
    help: "Only uploads whose key starts with PREFIX.",
  },
  {
    long: "older-than",
    type: "string",
    value: "DURATION",
    help:
      "Select uploads whose last activity (their newest part, else their initiation) is longer ago than DURATION, 0s to 3650d (90s, 30m, 24h, 7d; 0s selects all) as orphans to abort. Without --yes this is a dry run: it prints what it would abort.",
  },
  {
    long: "yes",
    short: "y",
    type: "boolean",
    help:
      "With --older-than: abort the selected uploads (their parts are deleted). An upload a running s3mpu on this host drives is never aborted.",
  },
  { long: "execute", type: "boolean", help: "Same as --yes." },
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
];

const LIST_HELP = `Usage:
  s3mpu list -b BUCKET [--prefix PREFIX] [options]
  s3mpu list -b BUCKET [--prefix PREFIX] --older-than DURATION [--yes] [options]
  s3mpu list s3://BUCKET[/PREFIX] [--older-than DURATION [--yes]] [options]

Lists the bucket's unfinished multipart uploads (from any tool, not only s3mpu): key, upload
id, when it was initiated, its last activity (its newest part's time, from ListParts) and its
age since then. Unfinished uploads hold storage, and are billed, until they are completed or
aborted.

With --older-than it selects the uploads whose last activity is longer ago than DURATION as
orphans and prints what it WOULD abort; add --yes (or --execute) to abort them. An upload that
a running s3mpu drives is marked "in use by a running s3mpu, pid N" and never aborted: each
upload run registers itself in $XDG_STATE_HOME/s3mpu/active (~/.local/state/s3mpu/active).
That registry is per host and user: a run elsewhere, or another tool's upload, is only kept by
its age, so choose a DURATION longer than your longest pause. A summary line ends the output.

Options:
${optionsHelp(LIST_OPTIONS)}

Output: a table on stdout; with --json, one object (bucket, prefix, olderThanSeconds, dryRun,
uploads [{key, uploadId, initiated, lastActivity, parts, ageSeconds, inUse, selected,
result}], total, selected, inUse, aborted, failed).

Exit codes: 0 listed (and every selected upload aborted) · 2 bad usage · 3 the server could
not be asked, or some aborts failed (re-run to retry them).

Examples:
  s3mpu list -b my-bucket
  s3mpu list -b my-bucket --prefix backups/ --older-than 7d           # dry run
  s3mpu list -b my-bucket --prefix backups/ --older-than 7d --yes     # abort them
`;

/** `s3mpu list`. */
export const listCommand: Command = defineCommand({
  name: "list",
  summary: "list unfinished multipart uploads in a bucket; abort orphans with --older-than --yes",
  help: LIST_HELP,
  options: LIST_OPTIONS,
  run: async (flags, logger) => {
    const bucket = requiredBucket(flags, "the bucket whose unfinished uploads to list");
    const prefix = str(flags, "prefix");
    const olderText = str(flags, "older-than");
    const olderThanMs = olderText === undefined
      ? undefined
      : parseDuration("--older-than", olderText);
    const execute = flags.yes === true || flags.execute === true;
    if (execute && olderThanMs === undefined) {
      throw new UsageError(
        "--yes aborts the uploads --older-than selects; pass --older-than DURATION too (--older-than 0s selects every listed upload).",
      );
    }
    const store = resolveStore(flags, { parallelism: 4, logger });
    const rows = await withStore(store, logger, async ({ backend }, signal) => {
      if (!backend.listMultipartUploads) {
        throw new UsageError(`The ${backend.name} store cannot list unfinished uploads.`);
      }
      let uploads: MultipartUploadInfo[];
      try {
        uploads = await backend.listMultipartUploads({ bucket, prefix }, signal);
      } catch (error) {
        throw storeError(error, `list the unfinished uploads in s3://${bucket}`);
      }
      // Some stores ignore or loosely apply the prefix; apply it exactly here too.
      uploads = uploads.filter((u) => prefix === undefined || u.key.startsWith(prefix));
      const rows = await listedUploads(backend, bucket, uploads, {
        olderThanMs,
        now: Date.now(),
        logger,
        signal,
      });
      if (execute) await abortSelected(backend, bucket, rows, logger, signal);
      return rows;
    }, { json: flags.json === true });
    const selected = rows.filter((r) => r.selected).length;
    const inUse = rows.filter((r) => r.inUse !== null).length;
    const aborted = rows.filter((r) => r.result === "aborted" || r.result === "already gone")
      .length;
    const failed = rows.filter((r) => r.result === "failed").length;
    const where = `s3://${bucket}/${prefix ?? ""}`;
    const summary = summaryLine({
      total: rows.length,
      selected,
      inUse,
      aborted,
      failed,
      where,
      olderText,
      execute,
    });
    printReport(
      flags,
      [...(rows.length > 0 ? [table(rows, olderThanMs !== undefined, execute)] : []), summary]
        .join("\n"),
    );
    if (failed > 0) {
      logger.error(`${failed} upload(s) could not be aborted; run again to retry them.`);
    }
    return {
      exitCode: failed > 0 ? ExitCode.resumable : ExitCode.ok,
      json: {
        bucket,
        prefix: prefix ?? null,
        olderThanSeconds: olderThanMs === undefined ? null : olderThanMs / 1000,
        dryRun: olderThanMs !== undefined && !execute,
        uploads: rows,
        total: rows.length,
        selected,
        inUse,
        aborted,
        failed,
        summary,
      },
    };
  },
});

function summaryLine(o: {
  total: number;
  selected: number;
  inUse: number;
  aborted: number;
  failed: number;
  where: string;
  olderText?: string;
  execute: boolean;
}): string {
  const running = o.inUse === 0 ? "" : `; ${o.inUse} in use by a running s3mpu, kept`;
  const found = `${o.total} unfinished upload${o.total === 1 ? "" : "s"} in ${o.where}`;
  if (o.olderText === undefined) return `${found}${running}`;
  const older = `${o.selected} older than ${o.olderText}`;
  if (!o.execute) {
    return o.selected === 0
      ? `${found}${running}; none older than ${o.olderText} to abort`
      : `${found}${running}; ${older} would be aborted (dry run: add --yes to abort them)`;
  }
  return `${found}${running}; ${older}: aborted ${o.aborted}${
    o.failed ? `, ${o.failed} failed` : ""
  }`;
}

/** What the table says list did, or would do, with an upload. */
function action(r: ListedUpload, selecting: boolean, execute: boolean): string {
  if (r.inUse) return `keep: ${inUseText(r.inUse)}`;
  if (!selecting || !r.selected) return "keep";
  return execute ? r.result ?? "" : "would abort";
}

/** An ISO time to the second: "2026-12-07T17:15:27Z". */
function shortTime(iso: string | null): string {
  return iso === null ? "?" : iso.replace(/\.\d+Z$/, "Z");
}

/**
 * Aborts the selected uploads. Each is looked up in the registry of running uploads once more
 * just before: a run may have begun driving it since it was listed.
 */
async function abortSelected(
  backend: Backend,
  bucket: string,
  rows: ListedUpload[],
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  for (const row of rows.filter((r) => r.selected)) {
    const ref = { bucket, key: row.key, uploadId: row.uploadId };
    const running = await runningHolder(ref);
    if (running) {
      Object.assign(row, { inUse: running, selected: false });
      continue;
    }
    try {
      row.result = (await abortOne(backend, ref, signal)).result;
    } catch (error) {
      row.result = "failed";
      row.error = userMessage(error);
      logger.error(row.error);
    }
  }
}

function table(rows: ListedUpload[], selecting: boolean, execute: boolean): string {
  const header = [
    "KEY",
    "UPLOAD ID",
    "INITIATED",
    "LAST ACTIVITY",
    "AGE",
    ...(selecting || rows.some((r) => r.inUse) ? ["ACTION"] : []),
  ];
  const cells = rows.map((r) => [
    r.key,
    r.uploadId,
    shortTime(r.initiated),
    shortTime(r.lastActivity),
    r.ageSeconds === null ? "?" : formatAge(r.ageSeconds),
    ...(header.length === 6 ? [action(r, selecting, execute)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells]
    .map((row) => row.map((c, i) => i === row.length - 1 ? c : c.padEnd(widths[i])).join("  "))
    .join("\n");
}
