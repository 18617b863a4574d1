import { S3Client } from "@aws-sdk/client-s3";
import { checkErrorBodies } from "./error_body_check.ts";
import { createHttpHandler } from "./http_handler.ts";
import type { S3Config } from "./s3_config.ts";
import type { AdapterLog } from "../types.ts";

/**
 * The SDK client for one store. The SDK's own retries and default checksums are off: retries
 * happen in one place in the engine, and the engine computes the per-part checksum once and
 * passes it in (the SDK's default CRC32 headers break several stores).
 */
export function createS3Client(config: S3Config): S3Client {
  const client = new S3Client({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.profile ? { profile: config.profile } : {}),
    forcePathStyle: config.forcePathStyle,
    maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: createHttpHandler(config.http),
    // The SDK warns on the console when a streamed body's request fails; the engine retries
    // and says so itself, so the SDK's own notes go to --debug only.
    logger: sdkLogger(config.logger),
  });
  if (config.unsignedPayload) signPartsUnsigned(client);
  checkErrorBodies(client);
  return client;
}

/**
 * Signs UploadPart with `x-amz-content-sha256: UNSIGNED-PAYLOAD`, so the SDK does not hash
 * every part body with SHA-256 (~1 s of CPU per GiB here). The part's own checksum header
 * (CRC32 or Content-MD5) still lets the server verify the bytes; the caller enables this only
 * where the transport protects them too (HTTPS, loopback), as aws-cli does for HTTPS.
 */
function signPartsUnsigned(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (context.commandName === "UploadPartCommand" && request.headers) {
        // An aws-chunked body (a trailing checksum) has set its own streaming kind.
        if (!request.headers["x-amz-content-sha256"]?.startsWith("STREAMING-")) {
          request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
        }
      }
      return next(args);
    },
    { step: "build", name: "s3mpuUnsignedPartPayload" },
  );
}

/** The SDK's logger: its warnings and errors to `log.debug`, the rest dropped. */
function sdkLogger(log?: AdapterLog) {
  const debug = (...args: unknown[]) => log?.debug?.(`aws-sdk: ${args.map(String).join(" ")}`);
  const quiet = () => {};
  return { trace: quiet, debug: quiet, info: quiet, warn: debug, error: debug };
}
