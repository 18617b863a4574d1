import {
  BackendError,
  InterruptedError,
  NeedsDecisionError,
  ResumableError,
  S3mpuError,
  UsageError,
} from "../errors.ts";

/** Answers that mean "signed for the wrong region" (AWS, MinIO). */
const WRONG_REGION_CODES = new Set([
  "AuthorizationHeaderMalformed",
  "PermanentRedirect",
  "IllegalLocationConstraintException",
  "InvalidRegion",
]);

/**
 * Turns whatever stopped an upload into the user-facing error: what happened, that the
 * state is kept, and what to do next. `metaPath` names the state the next run resumes from.
 */
export function toUserError(
  error: unknown,
  opts: { metaPath: string; stateKept: boolean; bucket?: string },
): S3mpuError {
  const { metaPath, stateKept } = opts;
  if (error instanceof S3mpuError) return error;
  const rerun = stateKept
    ? `State kept in ${metaPath}; run the same command again to resume`
    : "Nothing was uploaded yet; run the same command again";
  if (!(error instanceof BackendError)) {
    return new ResumableError(`Upload stopped: ${describe(error)}. ${rerun}.`, { cause: error });
  }
  const code = error.details.code ? ` (${error.details.code})` : "";
  const said = `${error.message.replace(/\.$/, "")}${code}`;
  if (WRONG_REGION_CODES.has(error.details.code ?? "")) {
    return new UsageError(
      `The store refused the region: ${said}. Pass the bucket's region with --region (or AWS_REGION).`,
      { cause: error },
    );
  }
  switch (error.kind) {
    case "aborted":
      return new InterruptedError();
    case "auth":
      return new ResumableError(
        `The credentials were rejected${code}: they expired or were revoked. Log in again (for example aws sso login, or aws-vault), then run the same command${
          stateKept ? ` to resume from ${metaPath}` : " again"
        }.`,
        { cause: error },
      );
    case "no_such_upload":
      return new NeedsDecisionError(
        `The multipart upload recorded in ${metaPath} no longer exists on the server (aborted, or purged as unfinished). Run again with --restart to upload from the start.`,
        { cause: error },
      );
    case "tls":
      return new UsageError(
        `The server's TLS certificate could not be verified: ${said}. If the store uses a private CA, pass its certificate with --ca-bundle FILE (or AWS_CA_BUNDLE=FILE); verification is never turned off.`,
        { cause: error },
      );
    case "no_such_bucket":
      return new UsageError(
        `The bucket ${
          opts.bucket ? `"${opts.bucket}" ` : ""
        }does not exist${code}; create it or check -b.`,
        { cause: error },
      );
    case "retryable":
    case "throttled":
      return new ResumableError(
        `The server or network kept failing after all retries: ${said}. ${rerun}.`,
        { cause: error },
      );
    default:
      return new ResumableError(
        `The server refused a request: ${said}. ${rerun}${
          stateKept ? ", or --restart to start over" : ""
        }.`,
        { cause: error },
      );
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\.$/, "");
}
