import { assertThrows } from "../../backends/testing/assert.ts";
import { NeedsDecisionError, UsageError } from "../errors.ts";
import { checkObjectOptions } from "./object_options_check.ts";

Deno.test("the same options, in any metadata order, resume", () => {
  checkObjectOptions("m.json", { contentType: "text/csv", metadata: { a: "1", b: "2" } }, {
    contentType: "text/csv",
    metadata: { b: "2", a: "1" },
  });
  checkObjectOptions("m.json", undefined, undefined);
});

Deno.test("different options exit 4 naming each difference", () => {
  assertThrows(
    () =>
      checkObjectOptions("m.json", { contentType: "text/csv", storageClass: "STANDARD_IA" }, {
        contentType: "text/plain",
      }),
    NeedsDecisionError,
    /--content-type "text\/csv" → "text\/plain", --storage-class "STANDARD_IA" → \(none\)/,
  );
  assertThrows(
    () =>
      checkObjectOptions("m.json", { sseCustomerAlgorithm: "AES256", sseCustomerKeyMd5: "a" }, {
        sseCustomerAlgorithm: "AES256",
        sseCustomerKeyMd5: "b",
      }),
    NeedsDecisionError,
    /a different SSE-C key/,
  );
});

Deno.test("a missing SSE-C key is exit 2 and asks for it", () => {
  assertThrows(
    () =>
      checkObjectOptions("m.json", { sseCustomerAlgorithm: "AES256", sseCustomerKeyMd5: "a" }, {}),
    UsageError,
    /pass the same key again/,
  );
});

Deno.test("a meta file without a record accepts a guessed type but not explicit options", () => {
  checkObjectOptions("m.json", undefined, { contentType: "text/csv", contentTypeGuessed: true });
  assertThrows(
    () => checkObjectOptions("m.json", undefined, { acl: "bucket-owner-full-control" }),
    NeedsDecisionError,
    /--acl \(none\) → "bucket-owner-full-control"/,
  );
});
