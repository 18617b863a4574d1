import type { MultipartUploadInfo } from "../../../backends/types.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import { resolveStore } from "../backend_config.ts";
import { type Command, defineCommand } from "../command.ts";
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
      "Select uploads initiated longer ago than DURATION, 0s to 3650d (90s, 30m, 24h, 7d; 0s selects all) as orphans to abort. Without --yes this is a dry run: it prints what it would abort.",
  },
  {
    long: "yes",
    short: "y",
    type: "boolean",
    help: "With --older-than: abort the selected uploads (their parts are deleted).",
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
id, when it was initiated and its age. Unfinished uploads hold storage, and are billed, until
they are completed or aborted.

With --older-than it selects the uploads initiated longer ago than DURATION as orphans and
prints what it WOULD abort; add --yes (or --execute) to abort them. Aborting an upload that an
s3mpu run is still driving makes that run stop with "upload gone", so choose a DURATION longer
than your longest upload. A summary line ends the output.

Options:
${optionsHelp(LIST_OPTIONS)}

Output: a table on stdout; with --json, one object (bucket, prefix, olderThanSeconds, dryRun,
uploads [{key, uploadId, initiated, ageSeconds, selected, result}], total, selected, aborted,
failed).

Exit codes: 0 listed (and every selected upload aborted) · 2 bad usage · 3 the server could
not be asked, or some aborts failed (re-run to retry them).

Examples:
  s3mpu list -b my-bucket
  s3mpu list -b my-bucket --prefix backups/ --older-than 7d           # dry run
  s3mpu list -b my-bucket --prefix backups/ --older-than 7d --yes     # abort them
`;

/** One listed upload in the --json output. */
interface ListedUpload {
  key: string;
  uploadId: string;
  initiated: string | null;
  ageSeconds: number | null;
  selected: boolean;
  /** With --yes: what happened to a selected upload. */
  result?: "aborted" | "already gone" | "bucket gone" | "failed";
  error?: string;
}

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
    const now = Date.now();
    const rows: ListedUpload[] = [];
    const store = resolveStore(flags, { parallelism: 4, logger });
    await withStore(store, logger, async ({ backend }, signal) => {
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
      uploads.sort((a, b) =>
        (a.initiated?.getTime() ?? 0) - (b.initiated?.getTime() ?? 0) || a.key.localeCompare(b.key)
      );
      for (const u of uploads) {
        const ageMs = u.initiated ? now - u.initiated.getTime() : undefined;
        rows.push({
          key: u.key,
          uploadId: u.uploadId,
          initiated: u.initiated?.toISOString() ?? null,
          ageSeconds: ageMs === undefined ? null : Math.max(0, ageMs / 1000),
          // An upload with no initiated time is never selected: its age is unknown.
          selected: olderThanMs !== undefined && ageMs !== undefined && ageMs >= olderThanMs,
        });
      }
      if (execute) {
        for (const row of rows.filter((r) => r.selected)) {
          try {
            row.result = (await abortOne(backend, {
              bucket,
              key: row.key,
              uploadId: row.uploadId,
            }, signal)).result;
          } catch (error) {
            row.result = "failed";
            row.error = userMessage(error);
            logger.error(row.error);
          }
        }
      }
    }, { json: flags.json === true });
    const selected = rows.filter((r) => r.selected).length;
    const aborted = rows.filter((r) => r.result === "aborted" || r.result === "already gone")
      .length;
    const failed = rows.filter((r) => r.result === "failed").length;
    const where = `s3://${bucket}/${prefix ?? ""}`;
    const summary = summaryLine({
      total: rows.length,
      selected,
      aborted,
      failed,
      where,
      olderText,
      execute,
    });
    if (flags.json !== true) {
      if (rows.length > 0) console.log(table(rows, olderThanMs !== undefined, execute));
      console.log(summary);
    }
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
  aborted: number;
  failed: number;
  where: string;
  olderText?: string;
  execute: boolean;
}): string {
  const found = `${o.total} unfinished upload${o.total === 1 ? "" : "s"} in ${o.where}`;
  if (o.olderText === undefined) return found;
  const older = `${o.selected} older than ${o.olderText}`;
  if (!o.execute) {
    return o.selected === 0
      ? `${found}; none older than ${o.olderText}, nothing to abort`
      : `${found}; ${older} would be aborted (dry run: add --yes to abort them)`;
  }
  return `${found}; ${older}: aborted ${o.aborted}${o.failed ? `, ${o.failed} failed` : ""}`;
}

function table(rows: ListedUpload[], selecting: boolean, execute: boolean): string {
  const header = ["KEY", "UPLOAD ID", "INITIATED", "AGE", ...(selecting ? ["ACTION"] : [])];
  const cells = rows.map((r) => [
    r.key,
    r.uploadId,
    r.initiated ?? "?",
    r.ageSeconds === null ? "?" : formatAge(r.ageSeconds),
    ...(selecting ? [r.selected ? (execute ? r.result ?? "" : "would abort") : "keep"] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells]
    .map((row) => row.map((c, i) => i === row.length - 1 ? c : c.padEnd(widths[i])).join("  "))
    .join("\n");
}
