import type {
  Backend,
  CompletedUpload,
  UploadedPart,
  UploadPartInput,
} from "../../backends/types.ts";
import { MemoryBackend, type MemoryBackendOptions } from "../../backends/memory/memory_backend.ts";
import { FaultBackend } from "../../backends/memory/fault_backend.ts";
import { assertEquals, assertOk, assertRejects } from "../../backends/testing/assert.ts";
import type {
  RunContext,
  StoreRules,
  UploadJob,
  UploadRequest,
  UploadResult,
} from "../transfer/upload_job.ts";
import { runUpload } from "../transfer/object_upload.ts";
import { memoryLogger } from "../log.ts";
import { openFileSource } from "../plan/part_source.ts";
import { fileStateStore } from "../state/file_state_store.ts";
import { exists, MiB, randomFile } from "./files.ts";

export { exists, MiB };

/** A temp dir with a random file of `size` bytes and state paths beside it. */
export async function makeWorkspace(size: number) {
  const { dir, path, bytes, cleanup } = await randomFile(size);
  return {
    dir,
    filePath: path,
    bytes,
    metaPath: `${dir}/meta.json`,
    partsPath: `${dir}/parts.jsonl`,
    cleanup,
  };
}

/** A memory store with bucket "bkt". */
export function makeStore(options?: MemoryBackendOptions): MemoryBackend {
  const store = new MemoryBackend(options);
  store.createBucket("bkt");
  return store;
}

/** A workspace of `size` random bytes, a memory store, and a FaultBackend in front of it. */
export async function makeFaultyWorkspace(size: number) {
  const ws = await makeWorkspace(size);
  const store = makeStore();
  return { ws, store, faulty: new FaultBackend(store) };
}

/** Every field of an {@link UploadJob} in one flat object, as tests override them. */
export type FlatJob = UploadRequest & StoreRules & RunContext;

/** A job whose logger keeps its lines, for tests to read. */
export type TestJob = UploadJob & { context: { logger: ReturnType<typeof memoryLogger> } };

/** An upload job of the workspace's file to s3://bkt/obj with fast retries. */
export async function makeJob(
  ws: { filePath: string; metaPath: string; partsPath: string },
  backend: Backend,
  overrides: Partial<FlatJob> = {},
): Promise<TestJob> {
  const logger = memoryLogger();
  const flat: FlatJob = {
    bucket: "bkt",
    key: "obj",
    // Its files never change during a test: no wait for their change time (see OpenOptions).
    source: await openFileSource(ws.filePath, { settle: false }),
    requestedPartSize: 5 * MiB,
    threads: 3,
    state: fileStateStore({ metaPath: ws.metaPath, partsPath: ws.partsPath }),
    restart: false,
    backend,
    checksumAlgorithm: "crc32",
    etagIsMd5: true,
    provider: "memory",
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
    stopSignal: new AbortController().signal,
    stopGraceMs: 1000,
    lostCompleteWaitMs: 100,
    ...overrides,
    logger,
  };
  return splitJob(flat) as TestJob;
}

/**
 * Which part of an {@link UploadJob} each request and rules field belongs to, one entry per
 * field: a `Record` over the interface's keys, so a field added to either interface and not
 * here fails `deno check`. Every other field of a flat job is context.
 */
const REQUEST_FIELDS: Record<keyof UploadRequest, "request"> = {
  bucket: "request",
  key: "request",
  source: "request",
  requestedPartSize: "request",
  threads: "request",
  state: "request",
  restart: "request",
  checksumAlgorithm: "request",
  checksumChosen: "request",
  objectOptions: "request",
  readBack: "request",
};
const RULES_FIELDS: Record<keyof StoreRules, "rules"> = {
  preferredPartSize: "rules",
  checksumType: "rules",
  etagIsMd5: "rules",
  md5Header: "rules",
  provider: "rules",
  providerDetected: "rules",
  endpoint: "rules",
  region: "rules",
};

/** Sorts a flat job's fields into the request, the store's rules and the context. */
export function splitJob(flat: FlatJob): UploadJob {
  const fields = { ...REQUEST_FIELDS, ...RULES_FIELDS } as Record<string, "request" | "rules">;
  const parts: Record<"request" | "rules" | "context", Record<string, unknown>> = {
    request: {},
    rules: {},
    context: {},
  };
  // Request and rules fields are set even when undefined, as a destructuring would set them.
  for (const [field, part] of Object.entries(fields)) {
    parts[part][field] = (flat as unknown as Record<string, unknown>)[field];
  }
  for (const [field, value] of Object.entries(flat)) {
    if (!(field in fields)) parts.context[field] = value;
  }
  return parts as unknown as UploadJob;
}

/** Hex SHA-256 of bytes. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Asserts s3://bkt/obj holds exactly `expected` and no upload is left open. */
export async function assertStored(store: MemoryBackend, expected: Uint8Array): Promise<void> {
  const object = store.getObject("bkt", "obj");
  assertOk(object, "object stored");
  assertEquals(await sha256(object), await sha256(expected));
  assertEquals(store.openUploads("bkt").length, 0, "no upload left open");
}

/**
 * A run of the workspace's upload on `backend` (usually a FaultBackend) that must fail with an
 * error of `type`; the error, for more checks.
 */
export async function runFails(
  ws: { filePath: string; metaPath: string; partsPath: string },
  backend: Backend,
  type: abstract new (...args: never[]) => Error,
  overrides: Partial<FlatJob> = {},
): Promise<Error> {
  const job = await makeJob(ws, backend, overrides);
  return await assertRejects(() => runUpload(job), type);
}

/**
 * The next run of the workspace's upload, on the healthy `store`: it must finish with the
 * file's exact bytes stored and no upload left open. Its result and job, for more checks.
 */
export async function finishOn(
  ws: { filePath: string; metaPath: string; partsPath: string; bytes: Uint8Array },
  store: MemoryBackend,
  overrides: Partial<FlatJob> = {},
): Promise<{ result: UploadResult; job: TestJob }> {
  const job = await makeJob(ws, store, overrides);
  const result = await runUpload(job);
  await assertStored(store, ws.bytes);
  return { result, job };
}

/** Asserts one of the job's log lines contains `fragment` (a string) or matches it (a RegExp). */
export function assertLogged(job: TestJob, fragment: string | RegExp): void {
  const lines = job.context.logger.lines;
  const found = lines.some((l) =>
    typeof fragment === "string" ? l.includes(fragment) : fragment.test(l)
  );
  assertOk(found, `no log line with ${fragment}; the lines were:\n${lines.join("\n")}`);
}

/**
 * `store` with its part and Complete calls bent per test: `beforePart` may change a part on its
 * way in (damage it), `afterPart` runs once it is stored, `complete` wraps the real Complete.
 */
export function intercept(
  store: MemoryBackend,
  over: {
    beforePart?: (input: UploadPartInput, signal: AbortSignal) => Promise<UploadPartInput>;
    afterPart?: (part: UploadedPart) => Promise<void>;
    complete?: (real: () => Promise<CompletedUpload>) => Promise<CompletedUpload>;
  },
): Backend {
  return new Proxy(store, {
    get(target, name) {
      if (name === "uploadPart" && (over.afterPart || over.beforePart)) {
        return async (input: UploadPartInput, signal: AbortSignal) => {
          const part = await target.uploadPart(
            over.beforePart ? await over.beforePart(input, signal) : input,
            signal,
          );
          await over.afterPart?.(part);
          return part;
        };
      }
      if (name === "completeMultipartUpload" && over.complete) {
        return (...args: Parameters<Backend["completeMultipartUpload"]>) =>
          over.complete!(() => target.completeMultipartUpload(...args));
      }
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
