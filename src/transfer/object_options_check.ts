/**
 * On resume, the object options given now must be those the upload was created with: they
 * were sent at CreateMultipartUpload and cannot change afterwards.
 *
 * @module
 */
import { NeedsDecisionError, RESTART, say, UsageError } from "../errors.ts";
import { OPTION_FLAGS, type RecordedObjectOptions } from "../object_options.ts";

/**
 * Throws when `now` differs from what the meta file recorded: exit 4 naming each
 * difference, or exit 2 when only the SSE-C key is missing (it is never stored, so a
 * resume needs it again). A meta file without a record (older runs, the Python tool)
 * accepts a resume that passes no explicit option.
 */
export function checkObjectOptions(
  metaPath: string,
  recorded: RecordedObjectOptions | undefined,
  now: RecordedObjectOptions | undefined,
): void {
  const before = comparable(recorded ?? {}, recorded === undefined);
  const after = comparable(now ?? {}, recorded === undefined);
  if (before.sseCustomerKeyMd5 && !after.sseCustomerKeyMd5) {
    throw new UsageError(
      `The upload in ${metaPath} is encrypted with a customer key (SSE-C), which is never stored; pass the same key again (--sse-c-key-file FILE or S3MPU_SSE_C_KEY) to resume.`,
    );
  }
  const names = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<
    keyof RecordedObjectOptions
  >;
  const changes: string[] = [];
  for (const name of names) {
    const [a, b] = [before[name], after[name]];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    changes.push(
      name === "sseCustomerKeyMd5"
        ? "a different SSE-C key"
        : `${OPTION_FLAGS[name]} ${show(a)} → ${show(b)}`,
    );
  }
  if (changes.length === 0) return;
  throw new NeedsDecisionError(
    say`The upload in ${metaPath} was created with other object options (${
      changes.join(", ")
    }); they are set at create and cannot change. Pass the recorded options to resume, or ${RESTART} to upload again with the new ones.`,
  );
}

/** Drops what is not compared; sorts metadata so key order does not matter. */
function comparable(
  options: RecordedObjectOptions,
  noRecord: boolean,
): Partial<Record<keyof RecordedObjectOptions, unknown>> {
  const { contentTypeGuessed: _, metadata, ...rest } = options;
  const out: Partial<Record<keyof RecordedObjectOptions, unknown>> = { ...rest };
  // Without a record, a guessed type was never asked for: ignore it.
  if (noRecord && options.contentTypeGuessed) delete out.contentType;
  if (metadata && Object.keys(metadata).length > 0) {
    out.metadata = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => a < b ? -1 : 1));
  }
  return out;
}

function show(value: unknown): string {
  if (value === undefined) return "(none)";
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}
