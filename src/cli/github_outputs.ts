/**
 * GitHub Actions step outputs and job summary for a finished upload.
 *
 * When `S3MPU_GITHUB_OUTPUTS=1` is set (the repository's action.yml sets it), `s3mpu upload`
 * appends `etag`, `location`, `version-id`, `upload-id`, `size`, `bucket`, `key`, `parts`
 * and `parts-uploaded` to the file named by `$GITHUB_OUTPUT`, and a short Markdown table to
 * `$GITHUB_STEP_SUMMARY`. It is opt-in so that uploads run by tests or by other workflow
 * steps do not write into the job summary by surprise.
 *
 * Outputs use GitHub's multiline form (`name<<DELIMITER`, value, `DELIMITER`) with a random
 * delimiter that does not occur in the value, so no value (an object key may hold newlines)
 * can end its entry early or inject another output.
 *
 * @module
 */
import type { UploadResult } from "../transfer/upload_job.ts";
import { formatBytes } from "../../backends/units.ts";

/** The environment variable that turns on writing outputs and summary. */
export const GITHUB_OUTPUTS_ENV = "S3MPU_GITHUB_OUTPUTS";

/** Where to write: the paths GitHub passes in `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`. */
export interface GithubOutputTargets {
  output?: string;
  summary?: string;
}

/** Options for tests: a fixed delimiter instead of a random one. */
export interface GithubOutputOptions {
  delimiter?: () => string;
}

/** Whether `value` has the shape of an upload's --json result. */
export function isUploadResult(value: unknown): value is UploadResult {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.bucket === "string" && typeof v.key === "string" &&
    (typeof v.uploadId === "string" || v.uploadId === null) && typeof v.eTag === "string" &&
    typeof v.size === "number";
}

/** The step outputs for `result`, in the order they are written. */
export function uploadOutputs(result: UploadResult): [name: string, value: string][] {
  return [
    ["etag", result.eTag],
    ["location", result.location ?? ""],
    ["version-id", result.versionId ?? ""],
    ["upload-id", result.uploadId ?? ""],
    ["size", String(result.size)],
    ["bucket", result.bucket],
    ["key", result.key],
    ["parts", String(result.parts)],
    ["parts-uploaded", String(result.partsUploaded)],
  ];
}

/**
 * `name<<DELIM\nvalue\nDELIM\n` for every pair. Throws on an invalid output name; picks a new
 * delimiter when the value happens to contain it.
 */
export function formatOutputs(
  pairs: [string, string][],
  options: GithubOutputOptions = {},
): string {
  const next = options.delimiter ?? (() => `ghadelimiter_${crypto.randomUUID()}`);
  let text = "";
  for (const [name, value] of pairs) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      throw new Error(`Invalid GitHub output name "${name}".`);
    }
    let delimiter = next();
    for (let tries = 0; value.includes(delimiter) || name.includes(delimiter); tries++) {
      if (tries >= 10) throw new Error(`Cannot find a delimiter for output "${name}".`);
      delimiter = next() + `_${tries}`;
    }
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  return text;
}

/** The Markdown appended to the job summary for a finished upload. */
export function formatSummary(result: UploadResult): string {
  const resumed = result.parts - result.partsUploaded;
  const rows: [string, string][] = [
    ["Object", code(`s3://${result.bucket}/${result.key}`)],
    ["Size", `${result.size.toLocaleString("en-US")} bytes (${formatBytes(result.size)})`],
    [
      "Parts",
      `${result.parts} × ${
        formatBytes(result.partSize, "exact")
      }, ${result.partsUploaded} sent by this run` +
      (resumed > 0 ? `, ${resumed} already on the server (resumed)` : ""),
    ],
    ["ETag", code(result.eTag)],
  ];
  if (result.versionId) rows.push(["Version ID", code(result.versionId)]);
  if (result.location) rows.push(["Location", code(result.location)]);
  if (result.uploadId) rows.push(["Upload ID", code(result.uploadId)]);
  rows.push(["Time", `${result.seconds.toFixed(1)} s`]);
  return [
    "### s3mpu: upload complete",
    "",
    "| | |",
    "| --- | --- |",
    ...rows.map(([label, value]) => `| ${label} | ${value} |`),
    "",
    "",
  ].join("\n");
}

/**
 * Appends the outputs and the summary for `result` to the given files (each only if its path
 * is set). Returns the paths written.
 */
export async function writeGithubOutputs(
  result: UploadResult,
  targets: GithubOutputTargets,
  options: GithubOutputOptions = {},
): Promise<string[]> {
  const written: string[] = [];
  if (targets.output) {
    await append(targets.output, formatOutputs(uploadOutputs(result), options));
    written.push(targets.output);
  }
  if (targets.summary) {
    await append(targets.summary, formatSummary(result));
    written.push(targets.summary);
  }
  return written;
}

/**
 * The CLI's hook: when `S3MPU_GITHUB_OUTPUTS` is `1` or `true` and `json` is an upload result,
 * writes outputs and summary to `$GITHUB_OUTPUT` / `$GITHUB_STEP_SUMMARY`. Returns warnings
 * for stderr; never throws (the upload itself is done, and a re-run would upload it again).
 */
export async function githubOutputsFromEnv(
  json: unknown,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
  options: GithubOutputOptions = {},
): Promise<string[]> {
  const flag = env(GITHUB_OUTPUTS_ENV)?.toLowerCase();
  if (flag !== "1" && flag !== "true") return [];
  if (!isUploadResult(json)) return [];
  const targets = { output: env("GITHUB_OUTPUT"), summary: env("GITHUB_STEP_SUMMARY") };
  if (!targets.output && !targets.summary) {
    return [
      `${GITHUB_OUTPUTS_ENV} is set but neither GITHUB_OUTPUT nor GITHUB_STEP_SUMMARY is; no step outputs written.`,
    ];
  }
  try {
    await writeGithubOutputs(json, targets, options);
    return [];
  } catch (error) {
    return [
      `The upload is complete, but writing the GitHub step outputs failed: ${
        (error as Error).message
      }. The result is on stdout (--json).`,
    ];
  }
}

async function append(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { append: true, create: true });
}

/** Inline Markdown code that survives backticks, pipes and newlines in the text. */
function code(text: string): string {
  const clean = text.replace(/\r?\n|\r/g, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}
