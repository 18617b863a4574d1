/**
 * Error messages in the form the user typed. Messages from every layer name the object as
 * `-b`, `-k` and the file as `-f`; a user who typed `s3mpu upload db.tar s3://b/k` typed none
 * of those, so the flags are reworded into the URL and the file argument before the message
 * is shown, in one place, for every command.
 *
 * @module
 */
import type { Flags } from "./flags.ts";
import { S3mpuError } from "../errors.ts";

/** The flag under which parsing keeps the `s3://` URL the user typed. */
export const TYPED_URL = "s3-url";
/** The flag under which parsing keeps the local file given as an argument. */
export const TYPED_FILE = "file-argument";

/** How the object and file were given, when not as -b/-k/-f. */
export interface Typed {
  /** The `s3://` URL, when the object was given as one. */
  url?: string;
  /** Whether the file was given as a positional argument. */
  fileArgument?: boolean;
}

/** What the parsed flags say the user typed. */
export function typedFrom(flags: Flags): Typed {
  const url = flags[TYPED_URL];
  return {
    ...(typeof url === "string" ? { url } : {}),
    ...(flags[TYPED_FILE] === true ? { fileArgument: true } : {}),
  };
}

/**
 * A flag as a word of its own: not part of a longer option, a name or a path, and not in a
 * suggested command (`s3mpu list -b my-bucket`), where it is followed by its value.
 */
const flag = (letter: string, tail = "") =>
  new RegExp(
    `(?<![\\w/-])-${letter}${tail}(?![\\w-]| (?!(?:and|or|too?|with|for|is|the)\\b)[a-z0-9])`,
    "g",
  );

/** Rewords the -b/-k/-f of `message` into what the user typed instead. */
export function asTyped(message: string, typed: Typed): string {
  let out = message;
  if (typed.url !== undefined) {
    const url = typed.url.length > 80 ? `${typed.url.slice(0, 77)}…` : typed.url;
    const bucketOnly = /^s3:\/\/[^/]*\/?$/i.test(typed.url) || typed.url.endsWith("/");
    const key = bucketOnly
      ? `a key in the URL (${typed.url.replace(/\/?$/, "/")}KEY)`
      : `the key in ${url}`;
    out = out
      .replace(flag("b", ", -k and --upload-id"), `${url} and --upload-id`)
      .replace(flag("b", " BUCKET and -k KEY"), key)
      .replace(flag("b", " and -k"), key)
      .replace(/another with -k(?![\w-])/g, `another key than the one in ${url}`)
      .replace(flag("b", "(/--bucket| BUCKET)?"), `the bucket in ${url}`)
      .replace(flag("k", "(/--key| KEY)?"), key);
  }
  if (typed.fileArgument) {
    out = out
      .replace(/given with -f(?![\w-])/g, "given as the file argument")
      .replace(flag("f", "/-m"), "the file argument or -m")
      .replace(flag("f", "(/--file-path| FILE)?"), "the file argument");
  }
  return out;
}

/** `error` with its message reworded by {@link asTyped}; other values pass through. */
export function retyped(error: unknown, flags: Flags): unknown {
  const typed = typedFrom(flags);
  if (!(error instanceof Error) || (typed.url === undefined && !typed.fileArgument)) return error;
  error.message = asTyped(error.message, typed);
  if (error instanceof S3mpuError) {
    // What the CLI shows is the wording (remedies as flags): reword its text parts too.
    const wording = error.wording.map((part) =>
      typeof part === "string" ? asTyped(part, typed) : part
    );
    Object.defineProperty(error, "wording", { value: wording });
  }
  return error;
}
