/**
 * How the CLI words what the user can do next: each remedy code as the flag that does it.
 * Every message a user sees goes through {@link userMessage}, so errors and warnings from
 * the layers below (which name remedies by code) read as today's flags.
 *
 * @module
 */
import { type RemedyWords, S3mpuError, type Wording, wordOut } from "../errors.ts";

/** The flag of each remedy. */
export const REMEDY_WORDS: RemedyWords = { restart: "--restart" };

/** A wording (or plain text) in the CLI's words. */
export function cliText(text: string | Wording): string {
  return typeof text === "string" ? text : wordOut(text, REMEDY_WORDS);
}

/** An error's message as the CLI shows it. */
export function userMessage(error: unknown): string {
  if (error instanceof S3mpuError) return cliText(error.wording);
  return error instanceof Error ? error.message : String(error);
}
