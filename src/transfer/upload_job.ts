import type { Backend, ChecksumAlgorithm, ChecksumType } from "../../backends/types.ts";
import type { Logger } from "../log.ts";
import type { PartSource } from "../plan/part_source.ts";
import type { RetryPolicy } from "../transport/retry.ts";
import type { Pacer } from "../transport/pacer.ts";
import type { TransferEvents } from "./events.ts";
import type { Scheduler } from "./scheduler.ts";
import type { RecordedObjectOptions } from "../object_options.ts";
import type { ProofName } from "./object_proof.ts";
import type { ProviderDetection } from "../state/meta_file.ts";
import type { ObjectState, StateStore } from "../state/state_store.ts";

/**
 * Everything one upload run needs, in three parts: what the user asked
 * ({@link UploadRequest}), the store's rules from its preset ({@link StoreRules}) and what the
 * run works with ({@link RunContext}). Built by the CLI, or by tests directly. The upload
 * itself, once initiated or opened, is an {@link UploadSession} (upload_session.ts).
 */
export interface UploadJob {
  request: UploadRequest;
  rules: StoreRules;
  context: RunContext;
}

/** What the user asked for: the object, the bytes, where its state is kept and how to send it. */
export interface UploadRequest {
  bucket: string;
  key: string;
  source: PartSource;
  /** The user's -s, if given; otherwise the planner chooses. */
  requestedPartSize?: number;
  /** Parts in flight at once (-t). */
  threads: number;
  /** Where the upload's state is kept (the meta file and parts journal, for the CLI). */
  state: StateStore;
  /** --restart: abort any recorded upload and start over. */
  restart: boolean;
  /**
   * The per-part checksum for a new upload (the user's --checksum-algorithm or the store's
   * default). A resumed upload keeps the one it began with (see UploadSession).
   */
  checksumAlgorithm: ChecksumAlgorithm;
  /** Whether the user chose the algorithm (--checksum-algorithm): a resume must then match. */
  checksumChosen?: boolean;
  /** Object options as recorded in the meta file (the backend sends them; see object_options.ts). */
  objectOptions?: RecordedObjectOptions;
  /**
   * false (--no-read-back): where the store keeps no value of its own that proves the object,
   * finish without reading it back, the result saying it is not proved. Default true.
   */
  readBack?: boolean;
}

/** The store's rules, from its preset, and where it is (recorded in the meta file). */
export interface StoreRules {
  /** The provider's recommended part size, used by the planner when -s is not given. */
  preferredPartSize?: number;
  /**
   * FULL_OBJECT when the store keeps a whole-object CRC (declared at create, sent and
   * validated at Complete); undefined for per-part (composite) checksums and MD5.
   */
  checksumType?: ChecksumType;
  /** Whether the store's part ETags are MD5, so the multipart ETag can be predicted. */
  etagIsMd5: boolean;
  /**
   * Whether md5 parts carry the Content-MD5 header (a first pass over each part computes
   * it). Absent or false: the MD5 is summed as the part streams and checked against the
   * part's ETag (see the preset's `checksum.md5Header`).
   */
  md5Header?: boolean;
  /** Recorded in the meta file for status and diagnostics; never credentials. */
  provider: string;
  /** How the store's answer chose `provider`, when nobody named it (recorded too). */
  providerDetected?: ProviderDetection;
  endpoint?: string;
  region?: string;
}

/** What the run works with: the store's backend, logging, progress, stopping, test knobs. */
export interface RunContext {
  /** The store; the engine wraps it once in the retry path (retrying_backend.ts). */
  backend: Backend;
  retry: RetryPolicy;
  /** The store's pacer, shared by every call to it (a batch's objects share one). */
  pacer?: Pacer;
  /**
   * Builds a backend for the store an earlier run recorded (endpoint, region, provider), so
   * --restart aborts the old upload where it lives when this run targets another store.
   * Without it such a --restart is refused.
   */
  backendForRecorded?: (recorded: RecordedStore) => Promise<Backend>;
  logger: Logger;
  /** Fires on SIGINT/SIGTERM: stop starting parts, let in-flight ones finish. */
  stopSignal: AbortSignal;
  /** How long in-flight parts may run after a stop before they are cancelled. */
  stopGraceMs: number;
  /**
   * How long to look again for the object when a Complete may still be running on the
   * server (see finish_gone.ts); default 20 s. Tests shorten it.
   */
  lostCompleteWaitMs?: number;
  /** Told of the object's totals, its parts and their bytes (see events.ts). */
  events?: TransferEvents;
  /** The run's budget, shared by every object of a batch; without one, nothing is capped. */
  scheduler?: Scheduler;
}

/**
 * The job as one run drives it: its state opened (and locked), its backend wrapped in the
 * retry path, and which calls needed a retry.
 */
export type RunJob = UploadJob & { state: ObjectState; retried: ReadonlySet<keyof Backend> };

/** The store a meta file records; undefined fields were not recorded (seed files). */
export interface RecordedStore {
  endpoint?: string;
  region?: string;
  provider?: string;
}

/** What a finished upload reports (the --json output). */
export interface UploadResult {
  bucket: string;
  key: string;
  /** null for an object put whole (an empty file): no multipart upload. */
  uploadId: string | null;
  eTag: string;
  versionId?: string;
  location?: string;
  size: number;
  partSize: number;
  parts: number;
  /** Parts sent by this run (the rest were already on the server). */
  partsUploaded: number;
  seconds: number;
  checksumAlgorithm: ChecksumAlgorithm;
  /** What proved the stored object to be the bytes sent ("none": --no-read-back). */
  proof: ProofName;
}
