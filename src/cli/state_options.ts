/**
 * The options that name an upload's state files, for the commands that read them (status,
 * abort), and how those commands find the files: the state layer's rules
 * (src/state/state_location.ts), given the command's flags.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import {
  findStatePaths,
  findStreamStatePaths,
  journalBeside,
  META_SUFFIX,
  type StateFilePaths,
} from "../state/state_location.ts";
import { fileOption } from "./common_options.ts";
import { type Flags, type OptionSpec, str } from "./parse.ts";
import { TYPED_URL } from "./as_typed.ts";
import { parseS3Url } from "./s3_url.ts";
import { isStreamPath } from "../plan/stream_source.ts";

/** -m / -a / -f as `upload` takes them, for the commands that read an upload's state files. */
export const STATE_FILE_OPTIONS: OptionSpec[] = [
  {
    long: "meta-file-path",
    short: "m",
    type: "string",
    value: "META_FILE",
    help: "The upload's meta file (as given to upload -m).",
  },
  {
    long: "parts-file-path",
    short: "a",
    type: "string",
    value: "PARTS_FILE",
    help:
      "The upload's parts journal (as given to upload -a). Default: beside META_FILE when it is named FILE.s3mpu-meta.json.",
  },
  fileOption(
    "Instead of -m: the uploaded file, whose default state files are FILE.s3mpu-meta.json and FILE.s3mpu-parts.jsonl; - (or the FIFO) for a stream, with its s3://BUCKET/KEY, whose state files are in the state directory.",
  ),
  {
    long: "state-dir",
    type: "string",
    value: "DIR",
    help:
      "With -f: where upload kept the state files (its --state-dir). Looked for beside FILE, then in DIR (default $S3MPU_STATE_DIR), then in $XDG_STATE_HOME/s3mpu. With a directory tree: the upload's --state-dir, which holds its job (same default).",
  },
];

/** Where an upload's state files are, from -m/-a/-f the way `upload` defaults them. */
export function stateFilesFromFlags(flags: Flags, command: string): StateFilePaths {
  const meta = str(flags, "meta-file-path");
  const parts = str(flags, "parts-file-path");
  const file = str(flags, "file-path");
  if (meta !== undefined) {
    const partsPath = parts ?? journalBeside(meta, file);
    if (partsPath === undefined) {
      throw new UsageError(
        `Pass -a PARTS_FILE with -m ${meta}: the parts journal's name follows from -m only when it ends in ${META_SUFFIX}; see s3mpu ${command} --help.`,
      );
    }
    return { metaPath: meta, partsPath };
  }
  if (file !== undefined && isStreamPath(file)) {
    return findStreamStatePaths(streamTarget(flags, command), {
      partsPath: parts,
      stateDir: str(flags, "state-dir"),
    });
  }
  if (file !== undefined) {
    return findStatePaths(file, { partsPath: parts, stateDir: str(flags, "state-dir") });
  }
  throw new UsageError(
    `Missing -m META_FILE (or -f FILE for its default state files); see s3mpu ${command} --help.`,
  );
}

/** The endpoint as given (flag, else environment), which names a stream's state files. */
export function streamEndpoint(flags: Flags): string {
  const given = str(flags, "endpoint-url") ?? Deno.env.get("AWS_ENDPOINT_URL_S3") ??
    Deno.env.get("AWS_ENDPOINT_URL") ?? "";
  return given.replace(/\/+$/, "");
}

/** The object a stream was uploaded to, from -b/-k or the s3:// URL, and the endpoint. */
function streamTarget(flags: Flags, command: string) {
  const typed = flags[TYPED_URL];
  const url = typeof typed === "string" ? parseS3Url(typed) : undefined;
  const bucket = str(flags, "bucket") ?? url?.bucket;
  const key = str(flags, "key") ?? url?.key;
  if (bucket === undefined || key === undefined || key === "" || key.endsWith("/")) {
    throw new UsageError(
      `A stream's state files are named from its object: pass s3://BUCKET/KEY as it was given to upload (s3mpu ${command} - s3://BUCKET/KEY), or -m META_FILE.`,
    );
  }
  return { bucket, key, endpoint: streamEndpoint(flags) };
}
