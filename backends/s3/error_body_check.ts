import type { S3Client } from "@aws-sdk/client-s3";

type Next = (args: unknown) => Promise<{ response: unknown; output: unknown }>;

/** Commands whose HTTP 200 may carry an `<Error>` document instead of a result. */
const CHECKED = new Set(["CompleteMultipartUploadCommand"]);

/** An XML document whose root element is `<Error>`, after an optional declaration. */
const ERROR_ROOT = /^\s*(<\?xml[^>]*\?>\s*)?<Error[\s>]/;

/**
 * S3 may answer CompleteMultipartUpload with HTTP 200 and an `<Error>` body when it fails
 * after it began answering (the API reference says so). The SDK only notices when the body
 * ends exactly in `</Error>`; a trailing newline or space makes it parse the error as a
 * successful result. This middleware reads the body of every 200 answer to such a command
 * and, when its root element is `<Error>`, marks the answer as a server error so the SDK
 * throws the error the document describes.
 */
export function checkErrorBodies(client: S3Client): void {
  const collect = client.config.streamCollector;
  const middleware = (next: Next, context: { commandName?: string }) => async (args: unknown) => {
    const result = await next(args);
    if (!CHECKED.has(context.commandName ?? "")) return result;
    const response = result.response as { statusCode?: number; body?: unknown };
    if (!response || response.statusCode !== 200) return result;
    const body = response.body instanceof Uint8Array
      ? response.body
      : await collect(response.body as Parameters<typeof collect>[0]);
    response.body = body;
    const head = new TextDecoder().decode(body.subarray(0, 512));
    if (ERROR_ROOT.test(head)) response.statusCode = 500;
    return result;
  };
  // The SDK's overloads cannot infer a relative middleware's types; its shape is above.
  client.middlewareStack.addRelativeTo(
    middleware as never,
    {
      relation: "after",
      toMiddleware: "deserializerMiddleware",
      name: "s3mpuErrorBodyCheck",
      override: true,
    },
  );
}
