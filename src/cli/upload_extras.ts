/**
 * The upload options of issue 13 that wrap the engine rather than change it: the object
 * options, --limit-rate, byte progress, --state-dir, and quieter part lines under a live bar.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import type { Backend } from "../../backends/types.ts";
import { withUploadOptions } from "../../backends/with_upload_options.ts";
import { UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RecordedObjectOptions } from "../object_options.ts";
import { MAX_RATE, MIN_RATE, TokenBucket } from "../../backends/rate_limit.ts";
import { objectOptionsFromFlags } from "./object_flags.ts";
import { type Flags, type OptionSpec, str } from "./parse.ts";
import type { Progress, ProgressMode } from "./progress.ts";
import { parseRate } from "./values.ts";
import { existsSync } from "./exists_sync.ts";

/** --limit-rate and --state-dir. */
export const UPLOAD_EXTRA_OPTIONS: OptionSpec[] = [
  {
    long: "limit-rate",
    type: "string",
    value: "RATE",
    help:
      "Send at most RATE bytes per second in total, such as 20MiB or 500KB (powers of 1,024; /s optional). Shared by all -t workers, smooth within each part; each worker then gets about RATE/N.",
  },
  {
    long: "state-dir",
    type: "string",
    value: "DIR",
    help:
      "Keep the state files in DIR instead of beside the file; DIR is created (0700) if only its last part is missing. Default: $S3MPU_STATE_DIR; when the file's directory is not writable, $XDG_STATE_HOME/s3mpu (~/.local/state/s3mpu). -m/-a win.",
  },
];

/** The checked options, and how to apply them to the run's backend. */
export interface UploadExtras {
  /** The object options to record in the meta file. */
  recorded?: RecordedObjectOptions;
  /** The backend to drive the upload with. */
  wrap(backend: Backend, progress: Progress, mode: ProgressMode): Backend;
}

/**
 * Reads and checks the object options and --limit-rate, before anything is written or
 * sent. `localName` is what the content type is guessed from.
 */
export async function parseUploadExtras(flags: Flags, localName: string): Promise<UploadExtras> {
  const parsed = await objectOptionsFromFlags(flags, localName);
  const rateText = str(flags, "limit-rate");
  const rate = rateText === undefined
    ? undefined
    : parseRate("--limit-rate", rateText, { minBytes: MIN_RATE, maxBytes: MAX_RATE });
  // fetch drops Content-Length on a streamed body (DESIGN.md): with it, parts go whole.
  const fetchTransport = Deno.env.get("S3MPU_HTTP_HANDLER") === "fetch";
  if (rate !== undefined && fetchTransport) {
    throw new UsageError(
      "--limit-rate needs the default node:http transport; unset S3MPU_HTTP_HANDLER=fetch.",
    );
  }
  return {
    ...(parsed.recorded ? { recorded: parsed.recorded } : {}),
    wrap(backend, progress, mode) {
      // Byte progress needs the body in slices; without a display there is nothing to count.
      const pace = Deno.env.get("S3MPU_BENCH_PACE"); // benchmark only: "always" | "never"
      const bytesShown = !fetchTransport &&
        (pace === "always" || (pace !== "never" && mode !== "off"));
      return withUploadOptions(backend, {
        objectOptions: parsed.objectOptions,
        requestOptions: parsed.requestOptions,
        rateLimit: rate === undefined ? undefined : new TokenBucket(rate),
        wire: bytesShown ? progress : undefined,
      });
    },
  };
}

/**
 * Where the state files go when -m/-a are not given: beside the source (the seed's way),
 * in --state-dir or $S3MPU_STATE_DIR, or, when the source's directory is not writable, in
 * $XDG_STATE_HOME/s3mpu. Outside the source's directory the name carries a hash of the
 * source's absolute path, so two files of the same name never share state.
 */
export async function defaultStateBaseFor(
  flags: Flags,
  besideSource: string,
  logger: Logger,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Promise<string> {
  if (str(flags, "meta-file-path") !== undefined && str(flags, "parts-file-path") !== undefined) {
    return besideSource;
  }
  const flag = str(flags, "state-dir");
  const chosen = flag ?? nonEmpty(env("S3MPU_STATE_DIR"));
  if (chosen !== undefined) {
    await ensureStateDir(chosen, flag !== undefined ? "--state-dir" : "S3MPU_STATE_DIR", logger);
    return stateBaseIn(chosen, besideSource);
  }
  if (await writable(dirname(besideSource))) return besideSource;
  const xdg = nonEmpty(env("XDG_STATE_HOME")) ?? join(env("HOME") ?? "/", ".local", "state");
  const dir = join(xdg, "s3mpu");
  logger.info(
    `${
      dirname(besideSource)
    } is not writable; keeping the state files in ${dir} (--state-dir to choose).`,
  );
  // The XDG base directory may not exist yet on a fresh account: it is created whole.
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(
      `Cannot create the state directory ${dir}: ${
        (error as Error).message
      }. Pass --state-dir DIR.`,
    );
  }
  return stateBaseIn(dir, besideSource);
}

/**
 * A state directory the user named (--state-dir, $S3MPU_STATE_DIR): used as it is, or created
 * (mode 0700, saying so) when only its last part is missing. A missing parent is refused: it
 * is more likely a typo than a wish for a new tree, which (as root) could land anywhere.
 */
async function ensureStateDir(dir: string, source: string, logger: Logger): Promise<void> {
  const info = await Deno.stat(dir).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`${source} ${dir}: ${(error as Error).message}.`);
  });
  if (info?.isDirectory) return;
  if (info) throw new UsageError(`${source} ${dir} is not a directory; pass a directory.`);
  const parent = dirname(resolve(dir));
  if (!(await Deno.stat(parent).then((p) => p.isDirectory, () => false))) {
    throw new UsageError(
      `${source} ${dir}: its parent directory ${parent} does not exist. Create it first (mkdir -p ${dir}) or pass another directory.`,
    );
  }
  try {
    await Deno.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    throw new UsageError(
      `Cannot create the state directory ${dir} (${source}): ${(error as Error).message}.`,
    );
  }
  logger.info(`Created the state directory ${dir} (${source}, mode 0700).`);
}

/** The state files' base name for `source` in a state directory: its name plus a path hash. */
export function stateBaseIn(dir: string, source: string): string {
  const absolute = resolve(source);
  const tag = createHash("sha256").update(absolute).digest("hex").slice(0, 12);
  return join(dir, `${basename(absolute)}-${tag}`);
}

/**
 * For status and abort given -f FILE: where `upload` put FILE's state files. Beside the file
 * when they are there; else in --state-dir / $S3MPU_STATE_DIR, else in the XDG fallback,
 * whichever holds a meta file. Defaults to beside the file (its error names that path).
 */
export function findStateBase(
  flags: Flags,
  file: string,
  metaSuffix: string,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const chosen = str(flags, "state-dir") ?? nonEmpty(env("S3MPU_STATE_DIR"));
  const xdg = nonEmpty(env("XDG_STATE_HOME")) ?? join(env("HOME") ?? "/", ".local", "state");
  const candidates = [
    file,
    ...(chosen !== undefined ? [stateBaseIn(chosen, file)] : []),
    stateBaseIn(join(xdg, "s3mpu"), file),
  ];
  return candidates.find((base) => existsSync(base + metaSuffix)) ?? file;
}

async function writable(dir: string): Promise<boolean> {
  try {
    const probe = await Deno.makeTempFile({ dir, prefix: ".s3mpu-probe-" });
    await Deno.remove(probe);
    return true;
  } catch {
    return false;
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text;
}

/**
 * Under a live bar, the seed-style "Done uploading N" line of every part is noise: it goes
 * to -v only. Plain logs (not a terminal) keep it, as the seed printed it.
 */
export function quietPartLines(logger: Logger, mode: ProgressMode): Logger {
  if (mode !== "bar" || logger.level !== "normal") return logger;
  return {
    ...logger,
    info: (message) => {
      if (/^Done uploading \d+ /.test(message)) logger.verbose(message);
      else logger.info(message);
    },
  };
}
