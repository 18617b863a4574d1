/**
 * One small request that lets a store name itself: HeadBucket, whose answer (success or
 * error, it has no body) carries the HTTP `Server` header most S3 implementations set.
 *
 * @module
 */
import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";

/** What the store's answer to the probe said about the store. */
export interface ServerAnswer {
  /** The `Server` header, if the answer had one. */
  server?: string;
  /** The HTTP status, or undefined when no answer came (network error, timeout). */
  status?: number;
  /** Why no answer came, for the log. */
  error?: string;
}

type Next = (args: unknown) => Promise<{ response: unknown; output: unknown }>;

/**
 * Sends HeadBucket for `bucket` and returns the answer's `Server` header and status. Never
 * throws but when `signal` fires: a refused or failed probe only means the store is not
 * recognised (the upload's own requests then say what is wrong). Gives up after
 * `timeoutMs`.
 */
export async function probeServer(
  client: S3Client,
  bucket: string,
  signal: AbortSignal,
  timeoutMs = 10_000,
): Promise<ServerAnswer> {
  const answer: ServerAnswer = {};
  const command = new HeadBucketCommand({ Bucket: bucket });
  // Read the raw answer before the SDK turns it into a result or an error.
  const capture = (next: Next) => async (args: unknown) => {
    const result = await next(args);
    const response = result.response as { statusCode?: number; headers?: Record<string, string> };
    answer.status = response?.statusCode;
    const server = response?.headers?.server ?? response?.headers?.Server;
    if (server) answer.server = server;
    return result;
  };
  command.middlewareStack.addRelativeTo(capture as never, {
    relation: "after",
    toMiddleware: "deserializerMiddleware",
    name: "s3mpuServerProbe",
  });
  try {
    await client.send(command, {
      abortSignal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    if (answer.status === undefined) answer.error = (error as Error).message || String(error);
  }
  return answer;
}
