import { assertEquals, assertMatch } from "../../backends/testing/assert.ts";
import { BackendError } from "../errors.ts";
import { toBackendError } from "../../backends/s3/error_map.ts";
import { classifyFailure } from "./failure.ts";
import { jsonFailure } from "../cli/run_cli.ts";

/** An SDK-shaped service error, as @aws-sdk/client-s3 throws it. */
function sdkError(code: string, status: number, message = `the server said ${code}`) {
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: status } });
}

/** A case: its name, the error, whether state was kept, the exit code and the JSON code. */
type Row = [string, unknown, boolean, number, string];

/** An OS error as Deno and Node throw it: a message and an errno `code`. */
function osError(message: string, code: string, type: ErrorConstructor = Error) {
  return Object.assign(new type(message), { code });
}

/** An error of the SDK's credential chain (no provider could give credentials). */
function credentialsError(message: string) {
  return Object.assign(new Error(message), { name: "CredentialsProviderError" });
}

/** A row for an SDK error named by its code (the row's name). */
function sdkRow(
  code: string,
  status: number,
  stateKept: boolean,
  exitCode: number,
  jsonCode: string,
): Row {
  return [code, sdkError(code, status), stateKept, exitCode, jsonCode];
}

/** A refused connection: exit 2 before anything exists, 3 once state is kept. */
const REFUSED = osError("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED");

/** The exit code of every kind of failure, from the S3 answer (or OS error) to the user. */
const TABLE: Row[] = [
  sdkRow("SignatureDoesNotMatch", 403, false, 2, "credentials_rejected"),
  sdkRow("InvalidAccessKeyId", 403, true, 2, "credentials_rejected"),
  sdkRow("AccessDenied", 403, false, 2, "credentials_rejected"),
  ["bare 403", sdkError("UnknownError", 403), false, 2, "credentials_rejected"],
  sdkRow("ExpiredToken", 400, true, 3, "credentials_expired"),
  sdkRow("NoSuchBucket", 404, false, 2, "no_such_bucket"),
  sdkRow("InvalidObjectName", 400, false, 2, "invalid_request"),
  sdkRow("XMinioInvalidObjectName", 400, false, 2, "invalid_request"),
  sdkRow("EntityTooSmall", 400, true, 2, "invalid_request"),
  ["another 4xx", sdkError("Teapot", 418), false, 2, "invalid_request"],
  sdkRow("AuthorizationHeaderMalformed", 400, false, 2, "wrong_region"),
  ["503 SlowDown", sdkError("SlowDown", 503), true, 3, "throttled"],
  ["500 InternalError", sdkError("InternalError", 500), true, 3, "network"],
  [
    "no credentials",
    credentialsError("Could not load credentials from any providers"),
    false,
    2,
    "no_credentials",
  ],
  [
    "expired SSO session",
    credentialsError(
      "The SSO session token associated with profile=x was not found or is invalid. To refresh this SSO session run 'aws sso login' with the corresponding profile.",
    ),
    false,
    3,
    "credentials_expired",
  ],
  ["refused before anything exists", REFUSED, false, 2, "unreachable"],
  ["refused with state kept", REFUSED, true, 3, "unreachable"],
  ["connection reset", osError("socket hang up", "ECONNRESET"), true, 3, "network"],
  [
    "EINVAL from the journal",
    osError("Invalid argument (os error 22)", "EINVAL", TypeError),
    true,
    2,
    "local_file",
  ],
  ["disk full", osError("No space left on device (os error 28)", "ENOSPC"), true, 3, "local_file"],
];

const LOCAL = new Set(["EINVAL from the journal", "disk full"]);

Deno.test("one classifier: each failure's exit code and JSON code", () => {
  for (const [name, raw, stateKept, exitCode, code] of TABLE) {
    // OS errors of local files reach the classifier as they are; the rest through the adapter.
    const error = LOCAL.has(name) ? raw : toBackendError(raw);
    const user = classifyFailure(error, {
      stateKept,
      stateName: "/s/meta.json",
      endpoint: "http://127.0.0.1:1",
    });
    assertEquals([user.exitCode, user.code], [exitCode, code], name);
    const json = jsonFailure(user);
    assertEquals(json.error.exitCode, exitCode, name);
    assertEquals(json.error.message, user.message, name);
  }
});

Deno.test("messages give the server's words and the fix", () => {
  const rejected = classifyFailure(toBackendError(sdkError("SignatureDoesNotMatch", 403)), {
    stateKept: true,
    stateName: "/s/meta.json",
  });
  assertMatch(
    rejected.message,
    /the server said SignatureDoesNotMatch.*Check AWS_ACCESS_KEY_ID .*resume from \/s\/meta\.json/,
  );
  const expired = classifyFailure(toBackendError(sdkError("ExpiredToken", 400)), {
    stateKept: false,
  });
  assertMatch(expired.message, /Log in again/);
  const json = jsonFailure(
    classifyFailure(new BackendError("invalid_request", "Too small", { code: "EntityTooSmall" }), {
      stateKept: false,
    }),
  );
  assertEquals(json.error.serverCode, "EntityTooSmall");
  assertEquals(jsonFailure(new Error("boom")).error, {
    code: "internal",
    message: "boom",
    exitCode: 3,
    serverCode: null,
  });
});
