import { NodeHttpHandler } from "@smithy/node-http-handler";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import http from "node:http";
import https from "node:https";

/** Transport settings for the SDK. */
export interface HttpHandlerOptions {
  /** "node": the SDK's node:http handler; "fetch": Deno's native fetch. */
  kind: "node" | "fetch";
  /** Sockets kept alive for reuse; at least the number of parallel parts. */
  maxSockets: number;
  /** Give up on a connection attempt after this long. */
  connectTimeoutMs: number;
  /** Give up when a request makes no progress for this long (stall detection). */
  requestTimeoutMs: number;
  /** PEM certificates of private CAs to trust in addition to the system's. */
  caCerts?: string[];
}

/** Builds the SDK request handler. TLS verification is always on. */
export function createHttpHandler(opts: HttpHandlerOptions): NodeHttpHandler | FetchHttpHandler {
  if (opts.kind === "fetch") {
    return new FetchHttpHandler({ requestTimeout: opts.requestTimeoutMs, keepAlive: true });
  }
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets };
  return new NodeHttpHandler({
    httpAgent: new http.Agent(agentOptions),
    httpsAgent: new https.Agent({
      ...agentOptions,
      ...(opts.caCerts?.length ? { ca: opts.caCerts } : {}),
    }),
    connectionTimeout: opts.connectTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
  });
}
