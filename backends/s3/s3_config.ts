import type { HttpHandlerOptions } from "./http_handler.ts";
import type { AdapterLog, BackendLimits } from "../types.ts";

/** How to reach and treat one S3-compatible store: what the CLI resolves from flags and the preset. */
export interface S3Config {
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
  /**
   * The store takes a part's flexible checksum after its body (aws-chunked,
   * STREAMING-UNSIGNED-PAYLOAD-TRAILER); used only with unsigned payloads and node:http.
   */
  trailingChecksums?: boolean;
  /** Parts sent at once (-t), which sizes each part body's buffers. */
  partsInFlight?: number;
  /** Whether ListMultipartUploads filters by Prefix on the server (MinIO: exact key only). */
  uploadListingByPrefix?: boolean;
  /** Notes what the adapter does on its own, such as refreshing expired credentials. */
  logger?: AdapterLog;
}
