import { dirname, join } from "node:path";
import { NeedsDecisionError, UsageError } from "../errors.ts";
import { syncDirectory, writeFileAtomic } from "./atomic_write.ts";
import { JOB_FORMAT_VERSION } from "./job_records.ts";
import { StateLock } from "./state_lock.ts";

/** A JSON value, as a job's identity is made of. */
export type JsonValue = string | number | boolean | null | JsonValue[] | {
  [key: string]: JsonValue;
};

/**
 * What makes a tree job the same job when the command runs again: the source's real path, the
 * bucket, the prefix, the endpoint and the filters (plus any other key the caller adds, such as
 * a shard). Never a credential: keys that look like one are refused.
 */
export interface JobIdentity {
  /** The source directory's real path (symbolic links resolved). */
  source: string;
  bucket: string;
  prefix: string;
  endpoint?: string;
  /** The filters in their order (later ones win), as the CLI gave them. */
  filters?: JsonValue;
  [key: string]: JsonValue | undefined;
}

/** The content of `job.json`. */
export interface JobFile {
  formatVersion: number;
  jobId: string;
  identity: JobIdentity;
  createdAt: string;
}

const CREDENTIAL_KEY = /secret|token|password|credential|access.?key|session/i;
const GENERATION_FILE = /^journal-(\d+)\.jsonl$/;

/** JSON with object keys sorted at every level and no spaces: equal values, equal text. */
export function canonicalJson(value: JsonValue | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The job id: the first 16 hex digits of the SHA-256 of the identity's canonical JSON. */
export async function jobIdOf(identity: JobIdentity): Promise<string> {
  for (const key of Object.keys(identity)) {
    if (CREDENTIAL_KEY.test(key)) {
      throw new Error(`A job identity must never hold a credential; remove its key "${key}".`);
    }
  }
  const bytes = new TextEncoder().encode(canonicalJson(identity as JsonValue));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A tree job's directory `<stateDir>/jobs/<jobId>/`: `job.json` (what the id was made of),
 * the lock that keeps a second process off the job, and the generations' journals
 * `journal-<g>.jsonl`. Opening it takes the lock or fails at once naming the holder's pid.
 */
export class JobDir {
  private constructor(
    readonly path: string,
    readonly jobId: string,
    readonly identity: JobIdentity,
    private readonly lock: StateLock,
  ) {}

  /** Creates or opens the job's directory and takes its lock. */
  static async open(stateDir: string, identity: JobIdentity): Promise<JobDir> {
    const jobId = await jobIdOf(identity);
    const path = join(stateDir, "jobs", jobId);
    try {
      await Deno.mkdir(path, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new UsageError(
        `Cannot create the job's state directory ${path}: ${
          (error as Error).message
        }. Pass a writable --state-dir.`,
      );
    }
    const jobFile = join(path, "job.json");
    // The lock is job.json.lock: its message names job.json, the file a user can read.
    const lock = await StateLock.acquire(jobFile);
    try {
      await checkOrWriteJobFile(jobFile, jobId, identity);
      await removeTempFiles(path);
    } catch (error) {
      await lock.release();
      throw error;
    }
    return new JobDir(path, jobId, identity, lock);
  }

  /** The journal of generation `g`. */
  journalPath(generation: number): string {
    return journalIn(this.path, generation);
  }

  /** The generations whose journals exist, oldest first. */
  generations(): Promise<number[]> {
    return generationsIn(this.path);
  }

  /** Creates generation `g`'s journal with `lines` at once: it exists whole or not at all. */
  async createGeneration(generation: number, lines: string[]): Promise<void> {
    await writeFileAtomic(this.journalPath(generation), lines.map((l) => l + "\n").join(""));
  }

  /** Removes generation `g`'s journal durably (missing is fine). */
  async removeGeneration(generation: number): Promise<void> {
    await Deno.remove(this.journalPath(generation)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await syncDirectory(this.path);
  }

  /** Releases the lock. */
  release(): Promise<void> {
    return this.lock.release();
  }
}

/** The generations whose journals exist in the job directory `path`, oldest first. */
export async function generationsIn(path: string): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir(path)) {
    const match = GENERATION_FILE.exec(entry.name);
    if (match && entry.isFile) found.push(Number(match[1]));
  }
  return found.sort((a, b) => a - b);
}

/** The journal of generation `g` in the job directory `path`. */
export function journalIn(path: string, generation: number): string {
  return join(path, `journal-${generation}.jsonl`);
}

async function checkOrWriteJobFile(
  path: string,
  jobId: string,
  identity: JobIdentity,
): Promise<void> {
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (text === undefined) {
    const job: JobFile = {
      formatVersion: JOB_FORMAT_VERSION,
      jobId,
      identity,
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(path, JSON.stringify(job, null, 2) + "\n");
    return;
  }
  let recorded: Partial<JobFile> | undefined;
  try {
    recorded = JSON.parse(text);
  } catch {
    // Handled below with the other unreadable cases.
  }
  if (typeof recorded?.formatVersion !== "number" || typeof recorded.identity !== "object") {
    throw new NeedsDecisionError(
      `${path} is not a valid job file; move the directory ${
        dirname(path)
      } away to start the job over.`,
    );
  }
  if (recorded.formatVersion > JOB_FORMAT_VERSION) {
    throw new UsageError(
      `${path} was written by a newer s3mpu (format ${recorded.formatVersion}); run that version, or move the job's directory away to start over.`,
    );
  }
  if (canonicalJson(recorded.identity as JsonValue) !== canonicalJson(identity as JsonValue)) {
    throw new NeedsDecisionError(
      `${path} records another job than this command's (a copied directory?); move it away to start this job afresh.`,
    );
  }
}

/** Temp files of an atomic write that a crash left behind (the lock makes this safe). */
async function removeTempFiles(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.startsWith(".") && entry.name.endsWith(".tmp")) {
      await Deno.remove(join(dir, entry.name)).catch(() => {});
    }
  }
}
