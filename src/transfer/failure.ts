import {
  BackendError,
  InterruptedError,
  NeedsDecisionError,
  RESTART,
  ResumableError,
  S3mpuError,
  say,
  UsageError,
  type Wording,
} from "../errors.ts";

/** OS error codes of local file operations that re-running unchanged cannot fix. */
const PERMANENT_OS_CODES = new Set(["EINVAL", "EACCES", "EPERM", "EROFS", "EISDIR", "ENOTDIR"]);

/** What the classifier knows about the failed command. */
export interface FailureContext {
  /** Whether a state file records the upload, so the same command resumes it. */
  stateKept: boolean;
  /** How messages name the kept state the next run resumes from (the meta file's path). */
  stateName?: string;
  bucket?: string;
  /** The endpoint the command talked to (undefined: AWS). */
  endpoint?: string;
  /**
   * For operator commands (status, abort, list, verify): what was being asked, e.g. "abort
   * upload X". Upload runs leave it out.
   */
  what?: string | Wording;
}

/**
 * The one error classifier: turns whatever stopped a command into the user-facing error whose
 * exit code says what to do. 2: the user must change something (rejected or missing
 * credentials, wrong region or endpoint, TLS, missing bucket, any permanent 4xx, a local file
 * the OS refuses). 3: re-running unchanged can succeed (network, 5xx or throttling after the
 * retries, expired credentials). 4: the recorded upload is gone. Each message gives the cause
 * as the server or the OS stated it, then the fix.
 */
export function classifyFailure(error: unknown, ctx: FailureContext): S3mpuError {
  if (error instanceof S3mpuError) return error;
  const { stateKept, stateName: metaPath } = ctx;
  const doing = ctx.what ? say`Could not ${ctx.what}: ` : "";
  const resume = stateKept && metaPath
    ? say`run the same command to resume from ${metaPath}`
    : "run the same command again";
  const rerun = stateKept && metaPath
    ? say`State kept in ${metaPath}; run the same command again to resume`
    : ctx.what
    ? "Nothing was changed; run the same command again"
    : "Nothing was uploaded yet; run the same command again";
  if (!(error instanceof BackendError)) {
    return localFailure(error, doing, rerun, stateKept && metaPath ? metaPath : undefined);
  }
  const code = error.details.code ? say` (${error.details.code})` : "";
  const said = say`${error.message.replace(/\.$/, "")}${code}`;
  const kept = stateKept && metaPath ? say` State kept in ${metaPath}.` : "";
  if (error.kind === "aborted") return new InterruptedError();
  if (error.kind === "auth_expired") {
    return new ResumableError(
      say`${doing}The credentials expired: ${said}. Log in again (for example aws sso login, or aws-vault), then ${resume}.`,
      { cause: error, code: "credentials_expired" },
    );
  }
  switch (error.kind) {
    case "auth":
      return new UsageError(
        say`${doing}The store rejected the credentials${code}: ${
          error.message.replace(/\.$/, "")
        }. ${
          error.details.fix ??
            "Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the profile) for this store"
        }, then ${resume}.`,
        { cause: error, code: "credentials_rejected" },
      );
    case "no_credentials":
      return new UsageError(
        say`${doing}No AWS credentials were found: ${
          error.message.replace(/\.$/, "")
        }. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or log in (aws sso login), then ${resume}.`,
        { cause: error, code: "no_credentials" },
      );
    case "wrong_region":
      return new UsageError(
        say`${doing}The store refused the region: ${said}. Pass the bucket's region with --region (or AWS_REGION).${kept}`,
        { cause: error, code: "wrong_region" },
      );
    case "tls":
      return new UsageError(
        say`${doing}The server's TLS certificate could not be verified: ${said}. If the store uses a private CA, pass its certificate with --ca-bundle FILE (or AWS_CA_BUNDLE=FILE); verification is never turned off.${kept}`,
        { cause: error, code: "tls" },
      );
    case "no_such_bucket":
      return new UsageError(
        say`${doing}The bucket ${ctx.bucket ? say`"${ctx.bucket}" ` : ""}does not exist${code}; ${
          stateKept && metaPath
            ? say`check -b, or clear the state with s3mpu abort -m ${metaPath} --forget`
            : "create it or check -b"
        }.`,
        { cause: error, code: "no_such_bucket" },
      );
    case "no_such_upload":
      return new NeedsDecisionError(
        say`${doing}The multipart upload recorded in ${
          metaPath ?? "the state files"
        } no longer exists on the server (aborted, or purged as unfinished). Run again with ${RESTART} to upload from the start.`,
        { cause: error, code: "upload_gone" },
      );
    case "unreachable":
      if (!stateKept) {
        return new UsageError(
          say`${doing}Nothing answered at ${
            ctx.endpoint ?? "the endpoint"
          }: ${said}. Check --endpoint-url (scheme, host and port) and that the server is running.`,
          { cause: error, code: "unreachable" },
        );
      }
      return new ResumableError(
        say`${doing}The server at ${
          ctx.endpoint ?? "the endpoint"
        } stopped answering: ${said}. ${rerun} once it is up.`,
        { cause: error, code: "unreachable" },
      );
    case "invalid_request":
      return new UsageError(
        say`${doing}The store refused the request: ${said}; ${
          error.details.fix ?? "the same request would be refused again, so the command must change"
        }.${kept}`,
        { cause: error, code: "invalid_request" },
      );
    case "retryable":
    case "throttled":
      return new ResumableError(
        say`${doing}The server or network kept failing after all retries: ${said}. ${rerun}.`,
        { cause: error, code: error.kind === "throttled" ? "throttled" : "network" },
      );
    default:
      return new ResumableError(
        say`${doing}The server refused a request: ${said}. ${rerun}${
          stateKept && !ctx.what ? say`, or ${RESTART} to start over` : ""
        }.`,
        { cause: error, code: "server_error" },
      );
  }
}

/**
 * Turns whatever stopped an upload into the user-facing error. `stateName` names the state
 * the next run resumes from. See {@link classifyFailure}.
 */
export function toUserError(
  error: unknown,
  opts: { stateName: string; stateKept: boolean; bucket?: string; endpoint?: string },
): S3mpuError {
  return classifyFailure(error, opts);
}

/** A local (OS) failure: permanent ones (EINVAL, EACCES, ...) exit 2, the rest 3. */
function localFailure(
  error: unknown,
  doing: Wording | "",
  rerun: string | Wording,
  keptIn: string | undefined,
): S3mpuError {
  const text = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
  const osCode = (error as { code?: unknown })?.code;
  if (
    typeof osCode === "string" && PERMANENT_OS_CODES.has(osCode) ||
    error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.IsADirectory ||
    error instanceof Deno.errors.NotADirectory
  ) {
    return new UsageError(
      say`${doing}A local file operation failed: ${text}. The same command would fail again: check the state file paths (-m, -a) and the permissions of their directory.${
        keptIn ? say` State kept in ${keptIn}.` : ""
      }`,
      { cause: error, code: "local_file" },
    );
  }
  return new ResumableError(say`${doing || "Upload stopped: "}${text}. ${rerun}.`, {
    cause: error,
    code: "local_file",
  });
}
