/**
 * The fault proxy's server: accepts client connections on loopback, applies the rules to
 * each request, forwards to the upstream S3 server or misbehaves as a rule says.
 *
 * @module
 */

import {
  classifyS3Operation,
  errorCode,
  type FaultAction,
  type FaultRule,
  REASONS,
  seededRandom,
  validateRules,
  xmlEscape,
} from "./faults.ts";
import {
  concat,
  COPY_CHUNK_BYTES,
  copyBody,
  copyBytes,
  type Counter,
  discard,
  discardingView,
  encoder,
  HttpError,
  limitedSink,
  LINGER_MS,
  type ParsedRequest,
  type ParsedResponse,
  parseRequest,
  parseResponse,
  responseFraming,
  Socket,
  StopCopy,
  toHeaders,
  withConnectionClose,
} from "./wire.ts";

/** Counters kept by the proxy. */
export interface FaultProxyStats {
  /** Requests received from clients (whatever happened to them). */
  requests: number;
  /** Client TCP connections accepted. */
  connections: number;
  /** Requests by {@linkcode classifyS3Operation} name. */
  byOperation: Record<string, number>;
  /** Faults injected, by action kind ("pass" is not counted). */
  injected: Record<string, number>;
}

/** One request as the proxy saw it (when started with `capture: true`). */
export interface CapturedRequest {
  method: string;
  /** The request target as sent: path and query. */
  url: string;
  /** {@linkcode classifyS3Operation} name. */
  operation: string;
  /** Request headers, names lower-cased, repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Request body bytes read from the client (payload bytes, without chunked framing). */
  bodyBytes: number;
  /** Status sent to the client, if a final response head was sent. */
  status?: number;
  /** The fault injected, if any. */
  fault?: FaultAction["kind"];
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: point the client here. */
  url: string;
  port: number;
  /** Live counters. */
  stats: FaultProxyStats;
  /** Requests in arrival order (empty unless started with `capture: true`). */
  captured: CapturedRequest[];
  /** Replaces the rules; resets their counters and re-seeds the RNG. */
  setRules(rules: FaultRule[]): void;
  /**
   * Resolves once no request is being handled (held, forwarded or answered), so a test can
   * let the exchanges of a killed client reach the server before it starts the next client.
   * Rejects after `timeoutMs` (default 30 s).
   */
  settled(timeoutMs?: number): Promise<void>;
  /** Stops listening, ends every client and upstream connection and waits for the handlers. */
  close(): Promise<void>;
}

/** Options of {@linkcode startFaultProxy}. */
export interface FaultProxyOptions {
  /** Upstream origin, `http://127.0.0.1:PORT` (loopback only). */
  target: string;
  /** Initial rules (default: none, everything passes). */
  rules?: FaultRule[];
  /** Seed of the RNG behind `probability` (default 1). */
  seed?: number;
  /** Record every request in `captured` (default false). */
  capture?: boolean;
}

/** Starts a proxy on `127.0.0.1` (a free port) in front of `opts.target`. */
export function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== "http:") {
    throw new TypeError(`Fault proxy target must be an http:// URL, got ${opts.target}.`);
  }
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (!loopback) {
    throw new TypeError(`Fault proxy target must be a loopback address, got ${opts.target}.`);
  }
  const upstream = {
    hostname: host === "localhost" ? "127.0.0.1" : host,
    port: target.port ? Number(target.port) : 80,
  };
  return Promise.resolve(new FaultProxyServer(upstream, opts));
}

interface RuleState {
  rule: FaultRule;
  seen: number;
}

let requestCounter = 0;

class FaultProxyServer implements FaultProxy {
  readonly url: string;
  readonly port: number;
  readonly stats: FaultProxyStats = { requests: 0, connections: 0, byOperation: {}, injected: {} };
  readonly captured: CapturedRequest[] = [];

  readonly #upstream: { hostname: string; port: number };
  readonly #capture: boolean;
  readonly #seed: number;
  readonly #listener: Deno.TcpListener;
  readonly #sockets = new Set<Socket>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #rules: RuleState[] = [];
  #random: () => number;
  #closing = false;
  #inFlight = 0;
  #acceptLoop: Promise<void>;
  #closed?: Promise<void>;

  constructor(upstream: { hostname: string; port: number }, opts: FaultProxyOptions) {
    this.#upstream = upstream;
    this.#capture = opts.capture ?? false;
    this.#seed = opts.seed ?? 1;
    this.#random = seededRandom(this.#seed);
    this.setRules(opts.rules ?? []);
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
    this.port = this.#listener.addr.port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.#acceptLoop = this.#accept();
  }

  setRules(rules: FaultRule[]): void {
    validateRules(rules);
    this.#rules = rules.map((rule) => ({ rule, seen: 0 }));
    this.#random = seededRandom(this.#seed);
  }

  async settled(timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.#inFlight > 0) {
      if (performance.now() > deadline) {
        throw new Error(`Fault proxy: ${this.#inFlight} request(s) still in flight`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      this.#abort.abort();
      try {
        this.#listener.close();
      } catch {
        // already closed
      }
      await this.#acceptLoop;
      for (const socket of this.#sockets) socket.close();
      while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    })();
    return this.#closed;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        if (this.#closing) {
          conn.close();
          continue;
        }
        this.stats.connections++;
        const task = this.#serve(new Socket(conn));
        this.#tasks.add(task);
        task.finally(() => this.#tasks.delete(task));
      }
    } catch {
      // listener closed
    }
  }

  #track(socket: Socket): Socket {
    this.#sockets.add(socket);
    if (this.#closing) socket.close();
    return socket;
  }

  async #serve(client: Socket): Promise<void> {
    this.#track(client);
    try {
      while (!this.#closing && await this.#handleOne(client)) {
        // next request on the same connection
      }
    } catch {
      // the connection broke; nothing to answer
    } finally {
      client.close();
      this.#sockets.delete(client);
    }
  }

  /** Handles one request; returns whether the connection stays open for the next one. */
  async #handleOne(client: Socket): Promise<boolean> {
    let req: ParsedRequest;
    try {
      const head = await client.reader.readHead(true);
      if (head === null) return false;
      req = parseRequest(head);
      if (!/^(\/|https?:\/\/)/.test(req.target)) {
        throw new HttpError(400, `Unsupported request target: ${req.target}`);
      }
    } catch (error) {
      if (error instanceof HttpError) {
        await this.#sendPlain(client, error.status, error.message).catch(() => {});
        await client.lingerClose(LINGER_MS);
      }
      return false;
    }
    this.#inFlight++;
    try {
      return await this.#handleRequest(client, req);
    } finally {
      this.#inFlight--;
    }
  }

  /** Applies the rules to one parsed request; returns whether the connection stays open. */
  async #handleRequest(client: Socket, req: ParsedRequest): Promise<boolean> {
    const url = new URL(req.target, "http://127.0.0.1");
    const operation = classifyS3Operation(req.method, url);
    this.stats.requests++;
    this.stats.byOperation[operation] = (this.stats.byOperation[operation] ?? 0) + 1;
    const record: CapturedRequest = {
      method: req.method,
      url: req.target,
      operation,
      headers: Object.fromEntries(
        req.headers.reduce((map, [name, value]) => {
          const prior = map.get(name);
          return map.set(name, prior === undefined ? value : `${prior}, ${value}`);
        }, new Map<string, string>()),
      ),
      bodyBytes: 0,
    };
    if (this.#capture) this.captured.push(record);

    const action = this.#pick(req, url, operation);
    if (action.kind !== "pass") {
      this.stats.injected[action.kind] = (this.stats.injected[action.kind] ?? 0) + 1;
      record.fault = action.kind;
    }
    const counter = {
      get n() {
        return record.bodyBytes;
      },
      set n(value: number) {
        record.bodyBytes = value;
      },
    };

    switch (action.kind) {
      case "pass":
        return await this.#forward(client, req, record, counter);
      case "latency":
        await this.#sleep(action.ms);
        return await this.#forward(client, req, record, counter);
      case "truncate_response":
        return await this.#forward(client, req, record, counter, action.afterBytes ?? -1);
      case "corrupt_body":
        return await this.#forward(client, req, record, counter, undefined, action.atByte ?? 1000);
      case "status":
        return await this.#answerError(client, req, url, action, record, counter);
      case "reply":
        return await this.#reply(client, req, action, record, counter);
      case "reset_mid_body":
        await this.#resetMidBody(client, req, action.afterBytes, counter);
        return false;
      case "stall":
        await this.#stall(client, req, action.ms, counter);
        return false;
    }
  }

  #pick(req: ParsedRequest, url: URL, operation: string): FaultAction {
    let chosen: FaultAction | undefined;
    let headers: Headers | undefined;
    for (const state of this.#rules) {
      const { match } = state.rule;
      if (match.method !== undefined && match.method.toUpperCase() !== req.method.toUpperCase()) {
        continue;
      }
      if (match.operation !== undefined && match.operation !== operation) continue;
      if (match.test !== undefined) {
        headers ??= toHeaders(req.headers);
        try {
          if (!match.test(url, headers)) continue;
        } catch (error) {
          console.error(`Fault proxy: a rule's test threw, treated as no match: ${error}`);
          continue;
        }
      }
      state.seen++;
      if (chosen !== undefined) continue;
      const rule = state.rule;
      const nth = rule.nth ?? 1;
      const times = rule.times ?? (rule.nth !== undefined ? 1 : Infinity);
      if (state.seen < nth || state.seen >= nth + times) continue;
      if (rule.probability !== undefined && !(this.#random() < rule.probability)) continue;
      chosen = rule.action;
    }
    return chosen ?? { kind: "pass" };
  }

  /** Forwards one request upstream and relays the answer; `truncateAt` >= 0 or -1 = default. */
  async #forward(
    client: Socket,
    req: ParsedRequest,
    record: CapturedRequest,
    counter: Counter,
    truncateAt?: number,
    corruptAt?: number,
  ): Promise<boolean> {
    let upstream: Socket;
    try {
      upstream = this.#track(
        new Socket(await Deno.connect({ ...this.#upstream, transport: "tcp" })),
      );
    } catch (error) {
      record.status = 502;
      await this.#sendPlain(client, 502, `Upstream unreachable: ${(error as Error).message}`);
      await client.lingerClose(LINGER_MS);
      return false;
    }
    let bodyDone = req.framing.kind === "none";
    let bodyFailed = false;
    let upstreamWritable = true;
    let bodyTask: Promise<void> = Promise.resolve();
    try {
      await upstream.write(req.raw);
      if (!bodyDone) {
        let sent = 0;
        bodyTask = copyBody(client.reader, req.framing, async (chunk) => {
          const at = sent;
          sent += chunk.length;
          if (corruptAt !== undefined && corruptAt >= at && corruptAt < sent) {
            chunk = chunk.slice();
            chunk[corruptAt - at] ^= 0xff;
          }
          if (!upstreamWritable || upstream.closed) return; // draining: upstream answered or gone
          try {
            await upstream.write(chunk);
          } catch {
            upstreamWritable = false; // keep reading: its answer may still be on the way
          }
        }, counter).then(
          () => {
            bodyDone = true;
          },
          () => {
            bodyFailed = true;
            upstream.close(); // the client went away mid-body: abandon the exchange
          },
        );
      }

      let continued = false;
      let res: ParsedResponse;
      let head: Uint8Array | null;
      for (;;) {
        head = await upstream.reader.readHead(false).catch(() => null);
        if (head === null) {
          if (bodyFailed) return false;
          record.status = 502;
          await this.#sendPlain(client, 502, "Upstream closed the connection without answering.");
          return false;
        }
        res = parseResponse(head);
        if (res.status >= 200 || res.status === 101) break;
        await client.write(head); // interim response, e.g. 100 Continue
        if (res.status === 100) continued = true;
      }
      const framing = responseFraming(req.method, res);
      if (truncateAt !== undefined && framing.kind === "none") {
        // No body to cut: cut the head, so the client never learns the outcome.
        await client.write(head.subarray(0, Math.floor(head.length / 2)));
        return false;
      }
      record.status = res.status;
      // A client that sent Expect: 100-continue and got no 100 may never send the body:
      // answer and close rather than wait for it.
      const abandonBody = !bodyDone && req.expectContinue && !continued;
      let keepAlive = !req.wantsClose && !res.wantsClose && framing.kind !== "eof" &&
        truncateAt === undefined && res.status !== 101;
      if (abandonBody && keepAlive) {
        keepAlive = false;
        head = withConnectionClose(head);
      }
      await client.write(head);

      if (truncateAt !== undefined) {
        const limit = truncateAt >= 0
          ? truncateAt
          : framing.kind === "length"
          ? Math.floor(framing.length / 2)
          : 0;
        await copyBody(upstream.reader, framing, limitedSink(client, limit), { n: 0 })
          .catch((error) => {
            if (!(error instanceof StopCopy)) throw error;
          });
        return false;
      }
      await copyBody(upstream.reader, framing, (chunk) => client.write(chunk), { n: 0 });
      // The answer is complete. Drop what is left of the request body (the upstream has
      // answered; closing it unblocks a write it would never read).
      upstreamWritable = false;
      upstream.close();
      if (bodyDone) return keepAlive;
      if (keepAlive) {
        await bodyTask;
        return !bodyFailed;
      }
      // Closing while the body may still come: half-close and drain for a while, as in
      // lingerClose (the body task is the reader).
      await client.conn.closeWrite().catch(() => {});
      const timer = setTimeout(() => client.close(), LINGER_MS);
      await bodyTask;
      clearTimeout(timer);
      return false;
    } finally {
      upstream.close();
      this.#sockets.delete(upstream);
      if (!bodyDone) client.close(); // stop reading a body nobody wants; settles bodyTask
      await bodyTask;
    }
  }

  async #reply(
    client: Socket,
    req: ParsedRequest,
    action: Extract<FaultAction, { kind: "reply" }>,
    record: CapturedRequest,
    counter: Counter,
  ): Promise<boolean> {
    if (action.forward) {
      // Let the server act, then drop its answer: a sink client that discards everything.
      await this.#forward(discardingView(client), req, record, counter).catch(() => false);
    } else {
      await copyBody(client.reader, req.framing, discard, counter);
    }
    const body = encoder.encode(action.body);
    const head = [
      `HTTP/1.1 ${action.status} ${REASONS[action.status] ?? "Reply"}`,
      "Content-Type: application/xml",
      `Content-Length: ${body.length}`,
      `Date: ${new Date().toUTCString()}`,
      "x-amz-request-id: FAULTREPLY",
      "Connection: close",
    ];
    await client.write(concat(encoder.encode(head.join("\r\n") + "\r\n\r\n"), body));
    record.status = action.status;
    await client.lingerClose(LINGER_MS);
    return false;
  }

  async #answerError(
    client: Socket,
    req: ParsedRequest,
    url: URL,
    action: Extract<FaultAction, { kind: "status" }>,
    record: CapturedRequest,
    counter: Counter,
  ): Promise<boolean> {
    let keepAlive = !req.wantsClose;
    if (req.expectContinue && req.framing.kind !== "none") {
      keepAlive = false; // never ask for the body; answer and close, as S3 does
    } else {
      await copyBody(client.reader, req.framing, discard, counter);
    }
    const [defaultCode, message] = errorCode(action.status, url);
    const code = action.code ?? defaultCode;
    const requestId = `FAULT${(++requestCounter).toString(16).padStart(11, "0").toUpperCase()}`;
    const xml = req.method === "HEAD" ? "" : '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>` +
      `<Resource>${xmlEscape(url.pathname)}</Resource><RequestId>${requestId}</RequestId>` +
      `<HostId>fault-proxy</HostId></Error>`;
    const body = encoder.encode(xml);
    const headers = [
      `HTTP/1.1 ${action.status} ${REASONS[action.status] ?? "Error"}`,
      "Content-Type: application/xml",
      `Content-Length: ${body.length}`,
      `Date: ${new Date().toUTCString()}`,
      `x-amz-request-id: ${requestId}`,
      "x-amz-id-2: fault-proxy",
      ...(action.retryAfterSeconds !== undefined
        ? [`Retry-After: ${action.retryAfterSeconds}`]
        : []),
      `Connection: ${keepAlive ? "keep-alive" : "close"}`,
    ];
    await client.write(concat(encoder.encode(headers.join("\r\n") + "\r\n\r\n"), body));
    record.status = action.status;
    if (!keepAlive) await client.lingerClose(LINGER_MS);
    return keepAlive;
  }

  async #resetMidBody(
    client: Socket,
    req: ParsedRequest,
    afterBytes: number | undefined,
    counter: Counter,
  ): Promise<void> {
    const framing = req.framing;
    const length = framing.kind === "length" ? framing.length : 0;
    const limit = Math.min(afterBytes ?? Math.floor(length / 2), length || Infinity);
    if (limit > 0 && framing.kind !== "none") {
      if (req.expectContinue) await client.write(encoder.encode("HTTP/1.1 100 Continue\r\n\r\n"));
      if (framing.kind === "length") {
        await copyBytes(client.reader, limit, discard, counter).catch(() => {});
      } else {
        let seen = 0; // raw bytes, chunk framing included
        await copyBody(client.reader, framing, (chunk) => {
          seen += chunk.length;
          return seen >= limit ? Promise.reject(new StopCopy()) : Promise.resolve();
        }, counter).catch(() => {});
      }
    }
    client.close(); // unread bytes in the socket make this a RST
  }

  async #stall(
    client: Socket,
    req: ParsedRequest,
    ms: number | undefined,
    counter: Counter,
  ): Promise<void> {
    const timer = ms === undefined ? undefined : setTimeout(() => client.close(), ms);
    try {
      const length = req.framing.kind === "length" ? req.framing.length : Infinity;
      for (;;) {
        const chunk = await client.reader.readSome(COPY_CHUNK_BYTES);
        if (chunk === null) break;
        counter.n = Math.min(length, counter.n + chunk.length);
      }
    } catch {
      // closed by the timer, the client or close()
    } finally {
      clearTimeout(timer);
      client.close();
    }
  }

  async #sendPlain(client: Socket, status: number, message: string): Promise<void> {
    const body = encoder.encode(message + "\n");
    const head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    await client.write(concat(encoder.encode(head), body));
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#abort.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error("Fault proxy closed."));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Error("Fault proxy closed."));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
