import { presetNames } from "../../backends/presets.ts";
import type { LogLevel } from "../log.ts";
import { type Flags, type OptionSpec, required } from "./parse.ts";
import { checkBucketName, checkKey } from "./values.ts";

/** `-b/--bucket BUCKET`, with the command's own help line. */
export function bucketOption(help: string): OptionSpec {
  return { long: "bucket", short: "b", type: "string", value: "BUCKET", help };
}

/** `-k/--key KEY`, with the command's own help line. */
export function keyOption(help: string): OptionSpec {
  return { long: "key", short: "k", type: "string", value: "KEY", help };
}

/** The -b/--bucket value: required (`what` says what it names) and a valid bucket name. */
export function requiredBucket(flags: Flags, what: string): string {
  const bucket = required(flags, "bucket", "b", what);
  checkBucketName(bucket);
  return bucket;
}

/** The -k/--key value: required (`what` says what it names) and a valid object key. */
export function requiredKey(flags: Flags, what: string): string {
  const key = required(flags, "key", "k", what);
  checkKey(key);
  return key;
}

/** `-f/--file-path FILE`, with the command's own help line. */
export function fileOption(help: string): OptionSpec {
  return { long: "file-path", short: "f", type: "string", value: "FILE", help };
}

/** `-d/--dir-path DIR` (a directory of chunk files), with the command's own help line. */
export function dirOption(help: string): OptionSpec {
  return { long: "dir-path", short: "d", type: "string", value: "DIR", help };
}

/** `-p/--prefix PREFIX` (the chunk files' name prefix, with -d), with the command's own help line. */
export function prefixOption(help: string): OptionSpec {
  return { long: "prefix", short: "p", type: "string", value: "PREFIX", help };
}

/** Options every command that talks to a store accepts. */
export const CONNECTION_OPTIONS: OptionSpec[] = [
  {
    long: "profile",
    type: "string",
    value: "NAME",
    help:
      "AWS shared-config profile for credentials, region, endpoint_url, s3.addressing_style and ca_bundle. Default: $AWS_PROFILE, else default.",
  },
  {
    long: "endpoint-url",
    type: "string",
    value: "URL",
    help:
      "S3-compatible endpoint, e.g. http://127.0.0.1:9000 for MinIO. Default: $AWS_ENDPOINT_URL_S3, then $AWS_ENDPOINT_URL, else AWS.",
  },
  {
    long: "region",
    type: "string",
    value: "REGION",
    help:
      "Region to sign for. Default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's, or the provider's.",
  },
  {
    long: "provider",
    type: "string",
    value: "NAME",
    // Generated from the presets, so a new provider shows up here without an edit.
    help: `Provider preset (limits, checksums, addressing): ${
      presetNames().join(", ")
    }. Default: $S3MPU_PROVIDER, else detected from the endpoint.`,
  },
  {
    long: "ca-bundle",
    type: "string",
    value: "FILE",
    help:
      "PEM file of extra CA certificates to trust (private CAs). Default: $AWS_CA_BUNDLE. TLS is always verified.",
  },
  {
    long: "retries",
    type: "string",
    value: "N",
    help:
      "Tries per request, 1 to 100, before giving up (default 8; backoff with jitter, Retry-After honoured).",
  },
  {
    long: "request-timeout",
    type: "string",
    value: "DURATION",
    help:
      "Abandon and retry a request that makes no progress for this long, 1s to 1h (default 60s).",
  },
];

/** Output options. */
export const OUTPUT_OPTIONS: OptionSpec[] = [
  {
    long: "json",
    type: "boolean",
    help:
      'Print one JSON object on stdout, nothing else: the result, or on failure {"error": {code, message, exitCode, serverCode}}.',
  },
  { long: "quiet", short: "q", type: "boolean", help: "Print only errors." },
  {
    long: "verbose",
    short: "v",
    type: "boolean",
    help: "Print more detail (preset, limits, retries).",
  },
  { long: "debug", type: "boolean", help: "Print everything, and stack traces on errors." },
  { long: "help", short: "h", type: "boolean", help: "Show this help." },
];

/** The log level the flags ask for. */
export function logLevel(flags: Flags): LogLevel {
  if (flags.debug) return "debug";
  if (flags.quiet) return "quiet";
  if (flags.verbose) return "verbose";
  return "normal";
}
