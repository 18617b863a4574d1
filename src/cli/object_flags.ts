/**
 * The upload's object options on the command line, with aws-cli's names and syntax, and
 * their checks. See docs/s3-users.md.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { UsageError } from "../errors.ts";
import { guessContentType } from "../mime_types.ts";
import {
  type ObjectOptions,
  type RecordedObjectOptions,
  recordOptions,
  type RequestOptions,
  type SseCustomerKey,
} from "../object_options.ts";
import { checkHeaderValue, parseMetadata, parseTagging } from "./header_values.ts";
import { type Flags, type OptionSpec, str } from "./parse.ts";

/**
 * The storage classes of a regular bucket in a Region (also offered by shell completion).
 */
export const REGIONAL_STORAGE_CLASSES: readonly string[] = [
  "STANDARD",
  "REDUCED_REDUNDANCY",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER",
  "DEEP_ARCHIVE",
  "GLACIER_IR",
];
/** Every class `--storage-class` accepts: also those of Outposts, Snow and directory buckets. */
const STORAGE_CLASSES = [...REGIONAL_STORAGE_CLASSES, "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE"];
/** The canned ACLs `--acl` accepts (also offered by shell completion). */
export const ACLS: readonly string[] = [
  "private",
  "public-read",
  "public-read-write",
  "authenticated-read",
  "aws-exec-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
];
/** The `--sse` algorithms (also offered by shell completion). */
export const SSE = ["AES256", "aws:kms", "aws:kms:dsse"] as const;

/** The environment variable that may hold the SSE-C key (base64 of 32 bytes). */
export const SSE_C_KEY_ENV = "S3MPU_SSE_C_KEY";

/** The object options' lines in `s3mpu upload --help`. */
export const OBJECT_OPTION_SPECS: OptionSpec[] = [
  {
    long: "content-type",
    type: "string",
    value: "TYPE",
    help:
      "Content-Type of the object. Default: guessed from the file's extension, as aws-cli does.",
  },
  {
    long: "no-guess-mime-type",
    type: "boolean",
    help: "Do not guess the Content-Type (the store then uses its default).",
  },
  { long: "content-encoding", type: "string", value: "ENC", help: "Content-Encoding, e.g. gzip." },
  {
    long: "content-disposition",
    type: "string",
    value: "VALUE",
    help: 'Content-Disposition, e.g. attachment; filename="db.tar".',
  },
  { long: "content-language", type: "string", value: "LANG", help: "Content-Language, e.g. en." },
  {
    long: "cache-control",
    type: "string",
    value: "VALUE",
    help: "Cache-Control, e.g. max-age=3600.",
  },
  { long: "expires", type: "string", value: "DATE", help: "Expires header: an ISO 8601 date." },
  {
    long: "metadata",
    type: "string",
    value: "K=V[,K=V]",
    help:
      'User metadata (x-amz-meta-*), as k=v,k2=v2 or JSON {"k":"v"}: each name once, values in US-ASCII (S3 stores no other), at most 2 KB in all.',
  },
  {
    long: "storage-class",
    type: "string",
    value: "CLASS",
    help: `Storage class: ${STORAGE_CLASSES.join(", ")}.`,
  },
  {
    long: "sse",
    type: "string",
    value: "ALG",
    help: "Server-side encryption: AES256 (SSE-S3), aws:kms or aws:kms:dsse.",
  },
  {
    long: "sse-kms-key-id",
    type: "string",
    value: "KEY_ID",
    help: "KMS key id or ARN, with --sse aws:kms or aws:kms:dsse.",
  },
  {
    long: "sse-c",
    type: "string",
    value: "AES256",
    help:
      `Encrypt with your own key (SSE-C), sent with every part and never stored; a resume needs the key again. The key (32 bytes, raw or base64) comes from --sse-c-key-file, --sse-c-key fileb://FILE, or $${SSE_C_KEY_ENV} (base64). S3 requires HTTPS for it.`,
  },
  { long: "sse-c-key-file", type: "string", value: "FILE", help: "The SSE-C key's file." },
  {
    long: "sse-c-key",
    type: "string",
    value: "fileb://FILE",
    help: "aws-cli's spelling of --sse-c-key-file (a key on the command line is refused).",
  },
  { long: "acl", type: "string", value: "ACL", help: `Canned ACL: ${ACLS.join(", ")}.` },
  {
    long: "tagging",
    type: "string",
    value: "K=V&K2=V2",
    help:
      "Object tags, URL-encoded as in aws-cli: 'project=x&team=y'. Letters of any script are sent encoded (k=ü as k=%C3%BC); each key once, at most 10 tags.",
  },
  {
    long: "expected-bucket-owner",
    type: "string",
    value: "ACCOUNT",
    help: "Fail unless the bucket belongs to this 12-digit AWS account (sent on every request).",
  },
  {
    long: "request-payer",
    type: "string",
    value: "requester",
    help: "Acknowledge that you pay for requests to a requester-pays bucket.",
  },
];

/** The SSE-C options alone, for commands that read an SSE-C object (verify). */
export const SSE_C_OPTION_SPECS: OptionSpec[] = OBJECT_OPTION_SPECS.filter((s) =>
  s.long.startsWith("sse-c")
).map((s) =>
  s.long === "sse-c"
    ? {
      ...s,
      help:
        `The object is encrypted with a customer key (SSE-C): read it with that key, from --sse-c-key-file, --sse-c-key fileb://FILE or $${SSE_C_KEY_ENV}.`,
    }
    : s
);

/** The request options for reading an object: its SSE-C key, if --sse-c is given. */
export async function sseCustomerFromFlags(flags: Flags): Promise<RequestOptions | undefined> {
  const key = await readSseCustomerKey(flags, (name) => Deno.env.get(name));
  return key ? { sseCustomer: key } : undefined;
}

/** The object options the flags ask for; `localName` is what the content type is guessed from. */
export interface ParsedObjectFlags {
  objectOptions?: ObjectOptions;
  requestOptions?: RequestOptions;
  /** For the meta file: no key material. */
  recorded?: RecordedObjectOptions;
}

/** Reads and checks the object option flags. */
export async function objectOptionsFromFlags(
  flags: Flags,
  localName: string,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Promise<ParsedObjectFlags> {
  const object: ObjectOptions & { contentTypeGuessed?: boolean } = {};
  const given = str(flags, "content-type");
  if (given !== undefined) {
    if (!/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;.*)?$/.test(given)) {
      throw new UsageError(`--content-type "${given}" is not a MIME type such as text/csv.`);
    }
    object.contentType = given;
  } else if (flags["no-guess-mime-type"] !== true) {
    const guessed = await guessContentType(localName);
    if (guessed) Object.assign(object, { contentType: guessed, contentTypeGuessed: true });
  }
  object.contentEncoding = headerFlag(flags, "content-encoding");
  object.contentDisposition = headerFlag(
    flags,
    "content-disposition",
    `For a file name in another script, use RFC 6266's filename*=UTF-8''<percent-encoded name>, e.g. attachment; filename*=UTF-8''%C3%BC.csv.`,
  );
  object.contentLanguage = headerFlag(flags, "content-language");
  object.cacheControl = headerFlag(flags, "cache-control");
  const expires = str(flags, "expires");
  if (expires !== undefined) {
    const t = Date.parse(expires);
    if (Number.isNaN(t)) {
      throw new UsageError(`--expires "${expires}" is not a date; use ISO 8601, e.g. 2027-01-31.`);
    }
    object.expires = new Date(t).toISOString();
  }
  const metadata = str(flags, "metadata");
  if (metadata !== undefined) object.metadata = parseMetadata(metadata);
  object.storageClass = oneOf("--storage-class", str(flags, "storage-class"), STORAGE_CLASSES);
  object.sse = oneOf("--sse", str(flags, "sse"), SSE) as ObjectOptions["sse"];
  object.sseKmsKeyId = headerFlag(flags, "sse-kms-key-id");
  if (object.sseKmsKeyId !== undefined && !object.sse?.startsWith("aws:kms")) {
    throw new UsageError("--sse-kms-key-id needs --sse aws:kms (or aws:kms:dsse).");
  }
  object.acl = oneOf("--acl", str(flags, "acl"), ACLS);
  const tagging = str(flags, "tagging");
  if (tagging !== undefined) object.tagging = parseTagging(tagging);

  const request: RequestOptions = {};
  const sseCustomer = await readSseCustomerKey(flags, env);
  if (sseCustomer) {
    if (object.sse) throw new UsageError("Pass either --sse or --sse-c, not both.");
    request.sseCustomer = sseCustomer;
  }
  const owner = str(flags, "expected-bucket-owner");
  if (owner !== undefined) {
    if (!/^\d{12}$/.test(owner)) {
      throw new UsageError(
        `--expected-bucket-owner takes a 12-digit AWS account id; got "${owner}".`,
      );
    }
    request.expectedBucketOwner = owner;
  }
  const payer = str(flags, "request-payer");
  if (payer !== undefined) {
    if (payer !== "requester") {
      throw new UsageError(`--request-payer takes only "requester"; got "${payer}".`);
    }
    request.requestPayer = "requester";
  }
  const recorded = recordOptions(object, request);
  const { contentTypeGuessed: _, ...objectOptions } = recorded;
  const sendable = dropUndefined(object);
  delete sendable.contentTypeGuessed;
  return {
    ...(Object.keys(sendable).length > 0 ? { objectOptions: sendable } : {}),
    ...(Object.keys(request).length > 0 ? { requestOptions: request } : {}),
    ...(Object.keys(objectOptions).length > 0 || recorded.contentTypeGuessed ? { recorded } : {}),
  };
}

/** A string option sent as a header: checked by {@link checkHeaderValue}. */
function headerFlag(
  flags: Flags,
  name: string,
  fix = "Encode the value yourself as the header's own rules say (for example percent-encoding).",
): string | undefined {
  const value = str(flags, name);
  if (value !== undefined) checkHeaderValue(`--${name}`, value, fix);
  return value;
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} takes one of ${allowed.join(", ")}; got "${value}".`);
  }
  return value as T;
}

async function readSseCustomerKey(
  flags: Flags,
  env: (name: string) => string | undefined,
): Promise<SseCustomerKey | undefined> {
  const algorithm = str(flags, "sse-c");
  const keyFlag = str(flags, "sse-c-key");
  if (keyFlag !== undefined && !keyFlag.startsWith("fileb://")) {
    throw new UsageError(
      `--sse-c-key takes fileb://FILE: a key on the command line leaks into shell history and ps. Use a file or $${SSE_C_KEY_ENV}.`,
    );
  }
  const file = str(flags, "sse-c-key-file") ?? keyFlag?.slice("fileb://".length);
  const fromEnv = env(SSE_C_KEY_ENV);
  if (algorithm === undefined) {
    if (file !== undefined) throw new UsageError("--sse-c-key-file needs --sse-c AES256.");
    return undefined;
  }
  if (algorithm !== "AES256") {
    throw new UsageError(`--sse-c takes only AES256; got "${algorithm}".`);
  }
  let key: Uint8Array;
  if (file !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(file);
    } catch (error) {
      throw new UsageError(`Cannot read the SSE-C key file ${file}: ${(error as Error).message}.`);
    }
    key = bytes.length === 32 ? bytes : decodeBase64Key(new TextDecoder().decode(bytes).trim());
  } else if (fromEnv !== undefined && fromEnv !== "") {
    key = decodeBase64Key(fromEnv.trim());
  } else {
    throw new UsageError(
      `--sse-c needs the key: --sse-c-key-file FILE, --sse-c-key fileb://FILE, or $${SSE_C_KEY_ENV}.`,
    );
  }
  const keyMd5 = createHash("md5").update(key).digest("base64");
  return { algorithm: "AES256", key, keyMd5 };
}

function decodeBase64Key(text: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    bytes = undefined;
  }
  if (!bytes || bytes.length !== 32) {
    throw new UsageError(
      "The SSE-C key must be 32 bytes: a 32-byte file, or base64 of 32 bytes (openssl rand -base64 32).",
    );
  }
  return bytes;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
