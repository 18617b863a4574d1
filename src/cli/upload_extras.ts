/**
 * The upload options of issue 13 that wrap the engine rather than change it: the object
 * options, --limit-rate, byte progress, --state-dir, and quieter part lines under a live bar.
 *
 * @module
 */
import type { Backend } from "../../backends/types.ts";
import { withUploadOptions } from "../../backends/with_upload_options.ts";
import { UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RecordedObjectOptions } from "../object_options.ts";
import { MIN_RATE, TokenBucket } from "../../backends/rate_limit.ts";
import { objectOptionsFromFlags } from "./object_flags.ts";
import { type Flags, type OptionSpec, str } from "./parse.ts";
import type { Progress, ProgressMode } from "./progress.ts";
import { parseRate } from "./values.ts";

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
      "Keep the state files in DIR instead of beside the file. Default: $S3MPU_STATE_DIR; when the file's directory is not writable, $XDG_STATE_HOME/s3mpu (~/.local/state/s3mpu). -m/-a win.",
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
  const rate = rateText === undefined ? undefined : parseRate("--limit-rate", rateText);
  if (rate !== undefined && rate < MIN_RATE) {
    throw new UsageError(`--limit-rate must be at least 8KiB (per second); got "${rateText}".`);
  }
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
