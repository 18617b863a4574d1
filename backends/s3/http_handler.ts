import { NodeHttpHandler } from "@smithy/node-http-handler";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import http from "node:http";
import https from "node:https";
import tls from "node:tls";

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
    // Deno's fetch takes extra roots through its own client; they add to the default roots.
    const client = opts.caCerts?.length
      ? Deno.createHttpClient({ caCerts: opts.caCerts })
      : undefined;
    return new FetchHttpHandler({
      requestTimeout: opts.requestTimeoutMs,
      keepAlive: true,
      ...(client ? { requestInit: () => ({ client }) as RequestInit } : {}),
    });
  }
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets };
  return new NodeHttpHandler({
    httpAgent: new http.Agent(agentOptions),
    // node:https's `ca` replaces the default roots: keep them, and add the private CAs.
    httpsAgent: new https.Agent({
      ...agentOptions,
      ...(opts.caCerts?.length ? { ca: [...tls.rootCertificates, ...opts.caCerts] } : {}),
    }),
    connectionTimeout: opts.connectTimeoutMs,
    // Stall detection is an idle timeout on the socket. The handler's `requestTimeout` is a
    // limit on the whole request (a slow link sending a big part would trip it) that by
    // default only logs a warning and never fails the request, so a stalled server hung
    // the upload forever.
    socketTimeout: opts.requestTimeoutMs || undefined,
  });
}
