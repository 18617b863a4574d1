import type { Backend, BackendLimits } from "./types.ts";
import type { HttpHandlerOptions } from "./s3/http_handler.ts";
import { S3Backend } from "./s3/s3_backend.ts";
import type { Logger } from "../src/log.ts";

/** What every adapter factory receives: where the store is and how to treat it. */
export interface BackendConfig {
  /** Shown in logs, e.g. "s3 (minio)". */
  name: string;
  endpoint?: string;
  region?: string;
  /** The shared-config profile for credentials (--profile); the SDK's default chain otherwise. */
  profile?: string;
  forcePathStyle: boolean;
  limits: BackendLimits;
  http: HttpHandlerOptions;
  /** Sign part bodies as UNSIGNED-PAYLOAD (only where HTTPS or loopback protects them). */
  unsignedPayload?: boolean;
  /** Whether ListMultipartUploads filters by Prefix on the server (MinIO: exact key only). */
  uploadListingByPrefix?: boolean;
  /** Notes what the adapter does on its own, such as refreshing expired credentials. */
  logger?: Logger;
}

/**
 * Protocol name → adapter factory. Explicit and static so `deno compile` sees every import.
 * Providers that speak S3 are presets (backends/presets.ts), not entries here; a new
 * protocol is a new folder under backends/ and one line below.
 */
export const BACKENDS: Readonly<Record<string, (config: BackendConfig) => Backend>> = {
  s3: (config) => new S3Backend(config),
};

/** Builds the adapter for `protocol`. */
export function createBackend(protocol: string, config: BackendConfig): Backend {
  const factory = BACKENDS[protocol];
  if (!factory) {
    throw new Error(
      `No backend for protocol "${protocol}"; known: ${Object.keys(BACKENDS).join(", ")}.`,
    );
  }
  return factory(config);
}
