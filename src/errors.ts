/**
 * The error types the CLI maps to exit codes. Backends translate vendor errors into
 * {@link BackendError}; the engine turns those into the user-facing errors below. A message
 * names what the user can do next as a {@link Remedy} code; a front end words it (the CLI as
 * a flag, src/cli/remedy_words.ts), so no layer below the CLI knows its flags.
 */

/** Exit codes of the CLI's contract (docs/exit-codes.md). */
export const ExitCode = {
  ok: 0,
  usage: 2,
  resumable: 3,
  needsDecision: 4,
  interrupted: 130,
} as const;

/** What the user can do next, as a code: `restart` = abandon the recorded upload and start over. */
export type Remedy = "restart";

/** A remedy named inside a message, for the front end to word. */
export interface RemedyTerm {
  readonly remedy: Remedy;
}

/** Abandon the recorded upload and start over (the CLI says `--restart`). */
export const RESTART: RemedyTerm = Object.freeze({ remedy: "restart" });

/** A message as text and remedy terms, in order; see {@link say} and {@link wordOut}. */
export type Wording = ReadonlyArray<string | RemedyTerm>;

/** How a front end words each remedy. */
export type RemedyWords = Record<Remedy, string>;

/** How a message reads where no front end worded it: the remedy's code in brackets. */
const CODES: RemedyWords = { restart: "[restart]" };

/**
 * A message with remedies in it: `` say`Run again with ${RESTART} to start over.` ``. A
 * value that is a Wording (a part built by `say`) is spliced in; anything else is text.
 */
export function say(strings: TemplateStringsArray, ...values: unknown[]): Wording {
  const out: Array<string | RemedyTerm> = [];
  const push = (part: string | RemedyTerm) => {
    if (typeof part === "string" && typeof out[out.length - 1] === "string") {
      out[out.length - 1] += part;
    } else if (part !== "") out.push(part);
  };
  strings.forEach((text, i) => {
    push(text);
    if (i >= values.length) return;
    const value = values[i];
    if (isTerm(value)) push(value);
    else if (Array.isArray(value)) value.forEach(push);
    else push(String(value));
  });
  return out;
}

/** The message's text, each remedy worded by `words`. */
export function wordOut(wording: Wording, words: RemedyWords = CODES): string {
  return wording.map((part) => typeof part === "string" ? part : words[part.remedy]).join("");
}

function isTerm(value: unknown): value is RemedyTerm {
  return typeof value === "object" && value !== null && "remedy" in value &&
    !Array.isArray(value);
}

/**
 * Options of a user-facing error. `code` is the stable machine-readable name printed by
 * `--json` (docs/exit-codes.md lists them); each class has a default.
 */
export interface S3mpuErrorOptions extends ErrorOptions {
  code?: string;
}

/**
 * A user-facing failure: a one-line message plus the exit code it maps to. `message` names
 * remedies by their codes; a front end shows {@link wording} in its own words.
 */
export class S3mpuError extends Error {
  /** Stable machine-readable name of the failure, e.g. "credentials_rejected". */
  readonly code: string;
  /** The message as text and remedy terms. */
  readonly wording: Wording;
  /** What the user can do next, when the message names it. */
  readonly remedy?: Remedy;
  constructor(
    message: string | Wording,
    readonly exitCode: number,
    options?: S3mpuErrorOptions,
    defaultCode = "error",
  ) {
    const wording = typeof message === "string" ? [message] : message;
    super(wordOut(wording), options);
    this.name = new.target.name;
    this.code = options?.code ?? defaultCode;
    this.wording = wording;
    const term = wording.find(isTerm);
    if (term) this.remedy = term.remedy;
  }
}

/** Bad usage or bad input. Nothing was changed (exit 2). */
export class UsageError extends S3mpuError {
  constructor(message: string | Wording, options?: S3mpuErrorOptions) {
    super(message, ExitCode.usage, options, "usage");
  }
}

/** Failed, but the state is kept and the same command resumes (exit 3). */
export class ResumableError extends S3mpuError {
  constructor(message: string | Wording, options?: S3mpuErrorOptions) {
    super(message, ExitCode.resumable, options, "resumable");
  }
}

/** Needs a decision from the user, usually {@link RESTART} (exit 4). */
export class NeedsDecisionError extends S3mpuError {
  constructor(message: string | Wording, options?: S3mpuErrorOptions) {
    super(message, ExitCode.needsDecision, options, "needs_decision");
  }
}

/** Stopped by SIGINT, SIGTERM or SIGHUP; the state is kept (exit 130). */
export class InterruptedError extends S3mpuError {
  constructor(message = "Interrupted; state kept. Run the same command again to resume.") {
    super(message, ExitCode.interrupted, undefined, "interrupted");
  }
}

// The backend error type belongs to the port (backends/); re-exported here so the CLI and
// the engine import every error type from one place.
export { BackendError, type BackendErrorKind } from "../backends/errors.ts";
