/**
 * What each conformance test (conformance.ts) works with: a {@link Context} per test, and
 * helpers for distinct part bytes and expected error kinds.
 */
import { BackendError, type BackendErrorKind } from "./errors.ts";
import { assertEquals, assertOk } from "./testing/assert.ts";
import type {
  Capabilities,
  ChecksumAlgorithm,
  MultipartStore,
  ObjectRef,
  UploadedPart,
} from "./types.ts";

/** A backend with every capability, as the suite holds adapters to. */
export type FullBackend = MultipartStore & Capabilities;
import { computeChecksum } from "./checksum.ts";

/** A backend under test, a bucket it can write to and how to tidy up afterwards. */
export interface ConformanceFixture {
  backend: FullBackend;
  bucket: string;
  cleanup(): Promise<void>;
}

/** Per-test state: the fixture, a live signal, unique keys and uploads to abort at the end. */
export class Context {
  readonly backend: FullBackend;
  readonly bucket: string;
  readonly signal = new AbortController().signal;
  readonly #prefix = `s3mpu-conformance/${crypto.randomUUID()}/`;
  readonly #open = new Map<string, ObjectRef & { uploadId: string }>();

  constructor(fixture: ConformanceFixture) {
    this.backend = fixture.backend;
    this.bucket = fixture.bucket;
  }

  /** A key unique to this test run. */
  key(name: string): string {
    return this.#prefix + name;
  }

  async create(
    name: string,
    checksumAlgorithm: ChecksumAlgorithm = "none",
  ): Promise<ObjectRef & { uploadId: string }> {
    const key = this.key(name);
    const uploadId = await this.backend.createMultipartUpload(
      { bucket: this.bucket, key, checksumAlgorithm },
      this.signal,
    );
    const ref = { bucket: this.bucket, key, uploadId };
    this.#open.set(uploadId, ref);
    return ref;
  }

  /** Uploads a part with a correct checksum of `algorithm`, or the given checksum. */
  upload(
    ref: ObjectRef & { uploadId: string },
    partNumber: number,
    body: Uint8Array,
    checksum: ChecksumAlgorithm | { algorithm: ChecksumAlgorithm; value: string } = "none",
  ): Promise<UploadedPart> {
    const sent = typeof checksum === "string"
      ? { algorithm: checksum, value: computeChecksum(checksum, body) }
      : checksum;
    return this.backend.uploadPart({ ...ref, partNumber, body, checksum: sent }, this.signal);
  }

  /** Marks an upload as finished (completed or aborted) so cleanup leaves it alone. */
  forget(ref: { uploadId: string }): void {
    this.#open.delete(ref.uploadId);
  }

  async abortOpenUploads(): Promise<void> {
    for (const ref of this.#open.values()) {
      try {
        await this.backend.abortMultipartUpload(ref, this.signal);
      } catch {
        // Best effort: the test may have left it in any state.
      }
    }
    this.#open.clear();
  }
}

/** `size` bytes of a pattern that differs per `seed`, so parts have distinct digests. */
export function filled(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return bytes;
}

/** Asserts the promise rejects with a BackendError of `kind`. */
export async function expectKind(
  promise: Promise<unknown>,
  kind: BackendErrorKind,
): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    assertOk(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
    assertEquals(error.kind, kind, `expected kind ${kind}, got ${error.kind}: ${error.message}`);
    return error;
  }
  assertOk(false, `expected a BackendError of kind ${kind}, but the call succeeded`);
  throw new Error("unreachable");
}
