import { assertEquals, assertThrows } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { commandFirst } from "./run_cli.ts";
import { type OptionSpec, parseFlags } from "./parse.ts";

Deno.test("output options may come before the command; others are refused with the fix", () => {
  assertEquals(commandFirst(["--json", "-q", "upload", "a"]), ["upload", "a", "--json", "-q"]);
  assertEquals(commandFirst(["list", "--json"]), ["list", "--json"]);
  assertEquals(commandFirst(["--debug", "--help"]), ["--help", "--debug"]);
  assertEquals(commandFirst(["--json"]), []);
  assertThrows(
    () => commandFirst(["--profile", "p", "upload"]),
    UsageError,
    /put --profile after it: s3mpu upload --profile \.\.\./,
  );
  assertThrows(() => commandFirst(["--json", "-t", "4", "upload"]), UsageError, /put -t after it/);
});

Deno.test("a negative number after an option is its value, for its own range check", () => {
  const specs: OptionSpec[] = [
    { long: "split-size", short: "s", type: "string", help: "" },
    { long: "older-than", type: "string", help: "" },
    { long: "yes", type: "boolean", help: "" },
  ];
  assertEquals(parseFlags("x", specs, ["-s", "-1", "--older-than", "-1d", "--yes"]), {
    "split-size": "-1",
    "older-than": "-1d",
    yes: true,
  });
  // A flag after an option is still a missing value, not a value.
  assertThrows(
    () => parseFlags("x", specs, ["-s", "--yes"]),
    UsageError,
    /ambiguous|needs a value/,
  );
});
