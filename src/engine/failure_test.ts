import { assertEquals, assertMatch } from "../../backends/testing/assert.ts";
import { BackendError } from "../errors.ts";
import { toBackendError } from "../../backends/s3/error_map.ts";
import { classifyFailure } from "./failure.ts";
import { jsonFailure } from "../cli/run_cli.ts";

/** An SDK-shaped service error, as @aws-sdk/client-s3 throws it. */
function sdkError(code: string, status: number, message = `the server said ${code}`) {
  return Object.assign(new Error(message), { name: code, $metadata: { httpStatusCode: status } });
}

/** The exit code of every kind of failure, from the S3 answer (or OS error) to the user. */
const TABLE: Array<[string, unknown, boolean, number, string]> = [
  [
    "SignatureDoesNotMatch",
    sdkError("SignatureDoesNotMatch", 403),
    false,
    2,
    "credentials_rejected",
  ],
  ["InvalidAccessKeyId", sdkError("InvalidAccessKeyId", 403), true, 2, "credentials_rejected"],
  ["AccessDenied", sdkError("AccessDenied", 403), false, 2, "credentials_rejected"],
  ["bare 403", sdkError("UnknownError", 403), false, 2, "credentials_rejected"],
  ["ExpiredToken", sdkError("ExpiredToken", 400), true, 3, "credentials_expired"],
  ["NoSuchBucket", sdkError("NoSuchBucket", 404), false, 2, "no_such_bucket"],
  ["InvalidObjectName", sdkError("InvalidObjectName", 400), false, 2, "invalid_request"],
  [
    "XMinioInvalidObjectName",
    sdkError("XMinioInvalidObjectName", 400),
    false,
    2,
    "invalid_request",
  ],
  ["EntityTooSmall", sdkError("EntityTooSmall", 400), true, 2, "invalid_request"],
  ["another 4xx", sdkError("Teapot", 418), false, 2, "invalid_request"],
  [
    "AuthorizationHeaderMalformed",
    sdkError("AuthorizationHeaderMalformed", 400),
    false,
    2,
    "wrong_region",
  ],
  ["503 SlowDown", sdkError("SlowDown", 503), true, 3, "throttled"],
  ["500 InternalError", sdkError("InternalError", 500), true, 3, "network"],
  [
    "no credentials",
    Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    }),
    false,
    2,
    "no_credentials",
  ],
  [
    "expired SSO session",
    Object.assign(
      new Error(
        "The SSO session token associated with profile=x was not found or is invalid. To refresh this SSO session run 'aws sso login' with the corresponding profile.",
      ),
      { name: "CredentialsProviderError" },
    ),
    false,
    3,
    "credentials_expired",
  ],
  [
    "refused before anything exists",
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    false,
    2,
    "unreachable",
  ],
  [
    "refused with state kept",
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    true,
    3,
    "unreachable",
  ],
  [
    "connection reset",
    Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }),
    true,
    3,
    "network",
  ],
  [
    "EINVAL from the journal",
    Object.assign(new TypeError("Invalid argument (os error 22)"), { code: "EINVAL" }),
    true,
    2,
    "local_file",
  ],
  [
    "disk full",
    Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" }),
    true,
    3,
    "local_file",
  ],
];

const LOCAL = new Set(["EINVAL from the journal", "disk full"]);

Deno.test("one classifier: each failure's exit code and JSON code", () => {
  for (const [name, raw, stateKept, exitCode, code] of TABLE) {
    // OS errors of local files reach the classifier as they are; the rest through the adapter.
    const error = LOCAL.has(name) ? raw : toBackendError(raw);
    const user = classifyFailure(error, {
      stateKept,
      metaPath: "/s/meta.json",
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
    metaPath: "/s/meta.json",
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
