import {
  BackendError,
  InterruptedError,
  NeedsDecisionError,
  ResumableError,
  S3mpuError,
  UsageError,
} from "../errors.ts";

/**
 * Turns whatever stopped an upload into the user-facing error: what happened, that the
 * state is kept, and what to do next. `metaPath` names the state the next run resumes from.
 */
export function toUserError(error: unknown, metaPath: string): S3mpuError {
  if (error instanceof S3mpuError) return error;
  if (!(error instanceof BackendError)) {
    return new ResumableError(
      `Upload stopped: ${
        describe(error)
      }. State kept in ${metaPath}; run the same command again to resume.`,
      { cause: error },
    );
  }
  const code = error.details.code ? ` (${error.details.code})` : "";
  switch (error.kind) {
    case "aborted":
      return new InterruptedError();
    case "auth":
      return new ResumableError(
        `The credentials were rejected${code}: they expired or were revoked. Log in again (for example aws sso login, or aws-vault), then run the same command to resume from ${metaPath}.`,
        { cause: error },
      );
    case "no_such_upload":
      return new NeedsDecisionError(
        `The multipart upload recorded in ${metaPath} no longer exists on the server (aborted, or purged as unfinished). Run again with --restart to upload from the start.`,
        { cause: error },
      );
    case "no_such_bucket":
      return new UsageError(`The bucket does not exist${code}; create it or check -b.`, {
        cause: error,
      });
    case "retryable":
    case "throttled":
      return new ResumableError(
        `The server or network kept failing after all retries: ${error.message}${code}. State kept in ${metaPath}; run the same command again to resume.`,
        { cause: error },
      );
    default:
      return new ResumableError(
        `The server refused a request: ${error.message}${code}. State kept in ${metaPath}; run the same command again to resume, or --restart to start over.`,
        { cause: error },
      );
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\.$/, "");
}
