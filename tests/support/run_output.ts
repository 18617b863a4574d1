/**
 * What a CLI run printed, in the forms the tests assert on: its error, retry and stack-trace
 * lines, a description for assertion messages, the one-line figures tests report, and the
 * one JSON object of `--json`.
 *
 * @module
 */
import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import type { CliRun } from "./cli.ts";

/** `Retrying ...` warnings in a run's stderr. */
export function retryLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /\] Retrying /.test(l));
}

/** The `s3mpu: error: ` lines of stderr. */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("s3mpu: error: "));
}

/** Lines of stderr that look like a stack trace. */
export function stackLines(text: string): string[] {
  return text.split("\n").filter((l) => /^\s+at /.test(l));
}

/** Prints a one-line figure the lead quotes, marked so it can be grepped from the test log. */
export function report(line: string): void {
  console.log(`[reliability] ${line}`);
}

/** A short description of a failed run for assertion messages. */
export function describeRun(run: CliRun): string {
  return `exit ${run.code}\n--- stderr ---\n${run.stderr}\n--- stdout ---\n${run.stdout}`;
}

/** Parses stdout, which must hold exactly one JSON object and nothing else. */
export function onlyJson(run: CliRun): Record<string, unknown> {
  const lines = run.stdout.trim().split("\n");
  assertEquals(lines.length, 1, `one line on stdout, got: ${run.stdout}\nstderr: ${run.stderr}`);
  const value = JSON.parse(lines[0]);
  assertOk(value !== null && typeof value === "object" && !Array.isArray(value));
  return value;
}
