import { assertEquals } from "../../backends/testing/assert.ts";
import { NeedsDecisionError, RESTART, say, UsageError } from "../errors.ts";
import { cliText, userMessage } from "./remedy_words.ts";

Deno.test("a remedy is a code in the error; only the CLI words it as its flag", () => {
  const error = new NeedsDecisionError(
    say`The source changed. Run again with ${RESTART} to start over.`,
  );
  assertEquals(error.remedy, "restart");
  assertEquals(error.message, "The source changed. Run again with [restart] to start over.");
  assertEquals(userMessage(error), "The source changed. Run again with --restart to start over.");
  // Parts built by say nest; plain errors and text pass through.
  const reason = say`fix it, or ${RESTART}`;
  assertEquals(cliText(say`Bad meta file; ${reason}.`), "Bad meta file; fix it, or --restart.");
  assertEquals(userMessage(new UsageError("plain")), "plain");
  assertEquals(new UsageError("plain").remedy, undefined);
  assertEquals(userMessage(new Error("not ours")), "not ours");
});
