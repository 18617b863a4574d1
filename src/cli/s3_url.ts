/**
 * `s3://BUCKET/KEY` paths, as aws-cli, s5cmd and rclone users type them. A command that
 * takes -b/-k (or -b/--prefix) also takes one such URL as a positional argument; an upload
 * or verify also takes the local file as a positional, so `s3mpu upload big.tar
 * s3://bucket/backups/` works as `aws s3 cp` does.
 *
 * @module
 */
import { basename } from "node:path";
import { UsageError } from "../errors.ts";
import type { Flags, OptionSpec } from "./flags.ts";
import { TYPED_FILE, TYPED_URL } from "./as_typed.ts";

/** A parsed `s3://` URL. `key` is empty for `s3://bucket` and ends in "/" for a prefix. */
export interface S3Url {
  bucket: string;
  key: string;
}

/** Whether `text` is meant as an S3 URL. */
export function isS3Url(text: string): boolean {
  return /^s3:\/\//i.test(text);
}

/** Parses `s3://BUCKET[/KEY]`. The key is kept exactly (no decoding, no normalising). */
export function parseS3Url(text: string): S3Url {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/is.exec(text);
  if (!match || match[1] === "") {
    throw new UsageError(`"${text}" is not an S3 URL; write it as s3://BUCKET/KEY.`);
  }
  return { bucket: match[1], key: match[2] ?? "" };
}

/**
 * Moves positional arguments into the flags they stand for: an `s3://` URL into bucket and
 * key (or prefix), one other argument into file-path. Mixing a URL with -b/-k, or a
 * positional file with -f/-d, is a UsageError, as are arguments a command has no use for.
 */
export function applyPositionals(
  command: string,
  specs: OptionSpec[],
  values: Flags,
  positionals: string[],
): Flags {
  const has = (long: string) => specs.some((s) => s.long === long);
  const urls = positionals.filter(isS3Url);
  const paths = positionals.filter((p) => !isS3Url(p));
  const flags: Flags = { ...values };
  if (urls.length > 1) {
    throw new UsageError(
      `Give one s3:// URL, not ${urls.length} (${urls.join(", ")}); see s3mpu ${command} --help.`,
    );
  }
  if (paths.length > (has("file-path") ? 1 : 0)) {
    const extra = paths[has("file-path") ? 1 : 0];
    throw new UsageError(
      `Unexpected argument "${extra}" for ${command}; see s3mpu ${command} --help.`,
    );
  }
  if (paths.length === 1) {
    if (flags["file-path"] !== undefined || flags["dir-path"] !== undefined) {
      throw new UsageError(
        `Give the file either as an argument ("${paths[0]}") or with -f/-d, not both.`,
      );
    }
    flags["file-path"] = paths[0];
    flags[TYPED_FILE] = true;
  }
  if (urls.length === 1) {
    const url = parseS3Url(urls[0]);
    const objectFlag = has("key") ? "key" : "prefix";
    const clash = ["bucket", objectFlag].filter((f) => flags[f] !== undefined);
    if (clash.length > 0) {
      throw new UsageError(
        `Give the object either as ${urls[0]} or with ${
          clash.map((f) => `--${f}`).join(" and ")
        }, not both.`,
      );
    }
    // Kept for the messages (as_typed.ts), for status, which names no bucket (there the URL
    // is checked against the recorded upload), and for a directory upload, which takes its prefix.
    flags[TYPED_URL] = urls[0];
    if (!has("bucket")) return flags;
    flags.bucket = url.bucket;
    if (has("key")) {
      const key = keyFor(url, str(flags["file-path"]) ?? str(flags["dir-path"]));
      if (key !== undefined) flags.key = key;
    } else if (has("prefix") && url.key !== "") flags.prefix = url.key;
  }
  return flags;
}

/**
 * The object key an URL names: its key, or for `s3://bucket/dir/` (and `s3://bucket`) the
 * prefix plus the local file's name, as `aws s3 cp FILE s3://bucket/dir/` does.
 */
export function keyFor(url: S3Url, localPath: string | undefined): string | undefined {
  if (url.key !== "" && !url.key.endsWith("/")) return url.key;
  if (localPath === undefined) return undefined;
  if (localPath === "-") {
    throw new UsageError(
      `s3://${url.bucket}/${url.key} names no object, and standard input (-) has no name to add; give the whole key, e.g. s3://${url.bucket}/${url.key}backup.tar.`,
    );
  }
  const name = basename(localPath.replace(/\/+$/, ""));
  return `${url.key}${name}`;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** For status: when an s3:// URL was given, the recorded upload must be to that object. */
export function checkUrlMatches(flags: Flags, recorded: S3Url, metaPath: string): void {
  const text = flags[TYPED_URL];
  if (typeof text !== "string") return;
  const wanted = parseS3Url(text);
  const sameBucket = wanted.bucket === recorded.bucket;
  const sameKey = wanted.key === "" || wanted.key === recorded.key ||
    (wanted.key.endsWith("/") && recorded.key.startsWith(wanted.key));
  if (!sameBucket || !sameKey) {
    throw new UsageError(
      `${metaPath} records an upload to s3://${recorded.bucket}/${recorded.key}, not ${text}; check -f/-m.`,
    );
  }
}
