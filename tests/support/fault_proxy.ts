/**
 * A fault-injecting HTTP/1.1 proxy for end-to-end tests.
 *
 * It sits between the s3mpu CLI (path-style S3 over plain HTTP to `http://127.0.0.1:PORT`)
 * and a real S3 server on loopback (MinIO, moto), forwards every request byte-for-byte
 * (the `Host` header is not rewritten, so SigV4 signatures still verify upstream) and, on
 * the requests chosen by {@linkcode FaultRule}s, injects transport- or HTTP-level faults:
 * connection resets mid-body, stalls, S3 error responses, latency and truncated responses.
 *
 * It speaks HTTP/1.1 itself over raw TCP (`Deno.listen` / `Deno.connect`) so that it can
 * misbehave at the byte level. Every client request gets a fresh upstream connection; the
 * client side supports keep-alive and pipelining, `Content-Length` and chunked bodies, and
 * `Expect: 100-continue` (forwarded to the upstream, whose `100 Continue` is relayed).
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({
 *   target: "http://127.0.0.1:9000",
 *   rules: [{ match: { operation: "UploadPart" }, nth: 2, action: { kind: "reset_mid_body" } }],
 * });
 * // point the CLI at proxy.url, then:
 * await proxy.close();
 * ```
 *
 * @module
 */

/** What to do with a request a rule picked. */
export type FaultAction =
  /**
   * Read `afterBytes` bytes of the request body (default: half of `Content-Length`, 0 for
   * chunked bodies), then close the client connection without answering. Nothing reaches
   * the upstream. Closing with unread bytes in the socket makes Linux send a RST, so the
   * client usually sees ECONNRESET; otherwise it sees EOF without a response.
   * With `Expect: 100-continue` the proxy answers `100 Continue` itself to get the body.
   */
  | { kind: "reset_mid_body"; afterBytes?: number }
  /**
   * Accept the request, read (and discard) whatever the client sends, never answer; close
   * the connection after `ms` (default: never, until the client gives up or the proxy closes).
   * Nothing reaches the upstream.
   */
  | { kind: "stall"; ms?: number }
  /**
   * Answer with an S3-style XML error (`<Error><Code>SlowDown</Code>...`) without
   * forwarding. `code` defaults from the status (503 SlowDown, 500 InternalError,
   * 404 NoSuchUpload/NoSuchKey, 403 AccessDenied, ...). `Retry-After` is sent when
   * `retryAfterSeconds` is given. HEAD requests get the headers only, as S3 does.
   */
  | { kind: "status"; status: number; code?: string; retryAfterSeconds?: number }
  /** Wait `ms` milliseconds, then forward normally. */
  | { kind: "latency"; ms: number }
  /**
   * Forward to the upstream, relay the response head unchanged and only the first
   * `afterBytes` bytes of the body (default: half of `Content-Length`, 0 for chunked or
   * close-delimited bodies), then close the client connection.
   * Responses without a body (UploadPart's empty 200, HEAD, 204) have their head cut in
   * half instead, so the client never sees the status or the ETag header.
   * Either way the upstream did process the request: "done on the server, lost on the wire".
   */
  | { kind: "truncate_response"; afterBytes?: number }
  /**
   * Answer with this exact status and body (an S3 answer bent on purpose, such as a 200
   * whose body is an `<Error>`, or a Complete result without an ETag). With `forward`, the
   * request goes upstream first and its answer is read and dropped: the server acted, the
   * client hears something else.
   */
  | { kind: "reply"; status: number; body: string; forward?: boolean }
  /** Forward normally. */
  | { kind: "pass" };

/** S3 operations {@linkcode classifyS3Operation} recognises (anything else is "other"). */
export type S3Operation =
  | "UploadPart"
  | "CreateMultipartUpload"
  | "CompleteMultipartUpload"
  | "ListParts"
  | "AbortMultipartUpload"
  | "HeadObject"
  | "ListMultipartUploads"
  | "PutObject"
  | "GetObject";

/**
 * Picks requests and says what to do with them. Rules are checked in order and the first
 * one that fires wins. Each rule counts the requests matching its `match` on its own (also
 * those another rule handled), so `nth` means "the nth request of this kind".
 */
export interface FaultRule {
  /** Which requests: all given criteria must hold. */
  match: {
    /** HTTP method, case-insensitive. */
    method?: string;
    /** The S3 operation as {@linkcode classifyS3Operation} names it. */
    operation?: S3Operation;
    /** A predicate on the request URL (path + query, on the proxy's origin) and headers. */
    test?: (url: URL, headers: Headers) => boolean;
  };
  /** What to do. */
  action: FaultAction;
  /**
   * Apply to the nth..(nth+times-1) matching request (1-based). `nth` defaults to 1;
   * `times` defaults to 1 when `nth` is given and to unlimited otherwise.
   */
  nth?: number;
  /** How many matching requests, from the nth on, the rule applies to. */
  times?: number;
  /**
   * Within that window, apply with this probability (0..1), drawn from the proxy's seeded
   * RNG: the same seed and the same request sequence give the same faults.
   */
  probability?: number;
}

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

const MAX_HEAD_BYTES = 64 * 1024;
const READ_BUFFER_BYTES = 128 * 1024;
const COPY_CHUNK_BYTES = 64 * 1024;
/** How long a closing connection keeps draining input so its last response survives. */
const LINGER_MS = 1000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Names the S3 operation of a path-style request: UploadPart = PUT with partNumber and
 * uploadId; CreateMultipartUpload = POST ?uploads; CompleteMultipartUpload = POST ?uploadId;
 * ListParts = GET ?uploadId; AbortMultipartUpload = DELETE ?uploadId; ListMultipartUploads =
 * GET on the bucket with ?uploads; HeadObject = HEAD on a key; PutObject = other PUT on a key;
 * GetObject = other GET on a key. Everything else (bucket and service operations,
 * DeleteObject, sub-resources such as ?acl or ?tagging) is "other".
 */
export function classifyS3Operation(method: string, url: URL): string {
  const q = url.searchParams;
  const path = url.pathname.replace(/^\/+/, "");
  const slash = path.indexOf("/");
  const hasKey = slash > 0 && slash < path.length - 1;
  const subresource = ["acl", "tagging", "attributes", "legal-hold", "retention", "torrent"]
    .some((name) => q.has(name));
  switch (method.toUpperCase()) {
    case "PUT":
      if (!hasKey) return "other";
      if (q.has("partNumber") && q.has("uploadId")) return "UploadPart";
      return subresource ? "other" : "PutObject";
    case "POST":
      if (!hasKey) return "other";
      if (q.has("uploads")) return "CreateMultipartUpload";
      if (q.has("uploadId")) return "CompleteMultipartUpload";
      return "other";
    case "GET":
      if (!hasKey) return q.has("uploads") && path.length > 0 ? "ListMultipartUploads" : "other";
      if (q.has("uploadId")) return "ListParts";
      return subresource ? "other" : "GetObject";
    case "DELETE":
      return hasKey && q.has("uploadId") ? "AbortMultipartUpload" : "other";
    case "HEAD":
      return hasKey ? "HeadObject" : "other";
    default:
      return "other";
  }
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

// ---------------------------------------------------------------------------------------
// Internals

type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "eof" };

type Sink = (chunk: Uint8Array) => Promise<void>;

interface Counter {
  n: number;
}

interface ParsedRequest {
  raw: Uint8Array;
  method: string;
  target: string;
  headers: [string, string][];
  framing: Framing;
  expectContinue: boolean;
  wantsClose: boolean;
}

interface RuleState {
  rule: FaultRule;
  seen: number;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Thrown by a sink to stop a copy on purpose. */
class StopCopy extends Error {}

/** A connection that can be closed more than once. */
/** `client` for reading the request body, with everything written to it dropped. */
function discardingView(client: Socket): Socket {
  return {
    reader: client.reader,
    closed: false,
    conn: { closeWrite: () => Promise.resolve() },
    write: () => Promise.resolve(),
    close: () => {},
    lingerClose: () => Promise.resolve(),
  } as unknown as Socket;
}

class Socket {
  closed = false;
  readonly reader: ByteReader;
  constructor(readonly conn: Deno.TcpConn) {
    this.reader = new ByteReader(conn);
    try {
      conn.setNoDelay(true);
    } catch {
      // not fatal
    }
  }
  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }
  /**
   * Half-closes, then reads and drops what the peer still sends until it closes or `ms`
   * pass. Closing with unread input makes the kernel send a RST, which can destroy a
   * response the peer has not read yet; this avoids that. Nothing else may read meanwhile.
   */
  async lingerClose(ms: number): Promise<void> {
    const timer = setTimeout(() => this.close(), ms);
    try {
      await this.conn.closeWrite();
      while ((await this.reader.readSome(COPY_CHUNK_BYTES)) !== null) {
        // drop
      }
    } catch {
      // closed by the timer or the peer
    } finally {
      clearTimeout(timer);
      this.close();
    }
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already gone
    }
  }
}

/** Buffered reads over a connection. Returned views are valid until the next read. */
class ByteReader {
  #buf = new Uint8Array(READ_BUFFER_BYTES);
  #start = 0;
  #end = 0;

  constructor(private readonly conn: Deno.Conn) {}

  /** Reads more bytes into the buffer; false at EOF. */
  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    } else if (this.#end === this.#buf.length) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buf.length) throw new HttpError(431, "Header section too large.");
    const n = await this.conn.read(this.#buf.subarray(this.#end));
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /**
   * Reads a message head through its blank line. Returns null at EOF before any byte.
   * With `skipBlankLines`, leading CR/LF bytes (allowed before a request) are dropped.
   */
  async readHead(skipBlankLines: boolean): Promise<Uint8Array | null> {
    let scanned = 0;
    for (;;) {
      if (skipBlankLines) {
        while (
          this.#start < this.#end &&
          (this.#buf[this.#start] === 13 || this.#buf[this.#start] === 10)
        ) this.#start++;
      }
      const at = indexOfBlankLine(this.#buf, this.#start + scanned, this.#end);
      if (at >= 0) {
        const head = this.#buf.slice(this.#start, at);
        this.#start = at;
        return head;
      }
      scanned = Math.max(0, this.#end - this.#start - 3);
      if (this.#end - this.#start > MAX_HEAD_BYTES) {
        throw new HttpError(431, "Header section too large.");
      }
      if (!(await this.#fill())) {
        if (this.#start === this.#end) return null;
        throw new Error("Connection closed in the middle of a message head.");
      }
    }
  }

  /** Reads one line including its LF; null at EOF before any byte. */
  async readLine(): Promise<Uint8Array | null> {
    let scanned = 0;
    for (;;) {
      const at = this.#buf.subarray(this.#start + scanned, this.#end).indexOf(10);
      if (at >= 0) {
        const end = this.#start + scanned + at + 1;
        const line = this.#buf.subarray(this.#start, end);
        this.#start = end;
        return line;
      }
      scanned = this.#end - this.#start;
      if (scanned > 8192) throw new HttpError(400, "Chunk line too long.");
      if (!(await this.#fill())) {
        if (this.#start === this.#end) return null;
        throw new Error("Connection closed in the middle of a line.");
      }
    }
  }

  /** Reads between 1 and `max` bytes; null at EOF. */
  async readSome(max: number): Promise<Uint8Array | null> {
    if (this.#start === this.#end && !(await this.#fill())) return null;
    const n = Math.min(max, this.#end - this.#start);
    const view = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    return view;
  }
}

/** Index just past the first CRLFCRLF (or LFLF) in buf[from, end), or -1. */
function indexOfBlankLine(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (buf[i] !== 10) continue;
    if (i + 1 < end && buf[i + 1] === 10) return i + 2;
    if (i + 2 < end && buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
  }
  return -1;
}

function parseHeaderLines(text: string): { startLine: string; headers: [string, string][] } {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0 || /^[ \t]/.test(line)) throw new HttpError(400, `Bad header line: ${line}`);
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { startLine: lines[0] ?? "", headers };
}

function headerValues(headers: [string, string][], name: string): string[] {
  return headers.filter(([n]) => n === name).map(([, v]) => v);
}

function headerTokens(headers: [string, string][], name: string): string[] {
  return headerValues(headers, name).flatMap((v) => v.split(","))
    .map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0);
}

function contentLength(headers: [string, string][]): number | undefined {
  const values = headerValues(headers, "content-length").flatMap((v) => v.split(","))
    .map((v) => v.trim());
  if (values.length === 0) return undefined;
  if (!values.every((v) => /^\d+$/.test(v) && v === values[0])) {
    throw new HttpError(400, "Bad Content-Length.");
  }
  return Number(values[0]);
}

function parseRequest(raw: Uint8Array): ParsedRequest {
  const { startLine, headers } = parseHeaderLines(decoder.decode(raw));
  const [method, target, version, ...rest] = startLine.split(" ");
  if (!method || !target || rest.length > 0 || !/^HTTP\/1\.[01]$/.test(version ?? "")) {
    throw new HttpError(400, `Bad request line: ${startLine}`);
  }
  const connection = headerTokens(headers, "connection");
  const wantsClose = version === "HTTP/1.0"
    ? !connection.includes("keep-alive")
    : connection.includes("close");
  let framing: Framing;
  const te = headerTokens(headers, "transfer-encoding");
  if (te.length > 0) {
    if (te[te.length - 1] !== "chunked" || te.length > 1) {
      throw new HttpError(501, `Transfer-Encoding ${te.join(", ")} is not supported.`);
    }
    framing = { kind: "chunked" };
  } else {
    const length = contentLength(headers) ?? 0;
    framing = length > 0 ? { kind: "length", length } : { kind: "none" };
  }
  const expectContinue = headerTokens(headers, "expect").includes("100-continue");
  return { raw, method, target, headers, framing, expectContinue, wantsClose };
}

interface ParsedResponse {
  status: number;
  headers: [string, string][];
  wantsClose: boolean;
}

function parseResponse(raw: Uint8Array): ParsedResponse {
  const { startLine, headers } = parseHeaderLines(decoder.decode(raw));
  const match = /^(HTTP\/1\.[01]) (\d{3})(?: .*)?$/.exec(startLine);
  if (!match) throw new Error(`Bad upstream status line: ${startLine}`);
  const connection = headerTokens(headers, "connection");
  const wantsClose = match[1] === "HTTP/1.0"
    ? !connection.includes("keep-alive")
    : connection.includes("close");
  return { status: Number(match[2]), headers, wantsClose };
}

function responseFraming(method: string, res: ParsedResponse): Framing {
  if (method === "HEAD" || res.status === 204 || res.status === 304 || res.status < 200) {
    return { kind: "none" };
  }
  const te = headerTokens(res.headers, "transfer-encoding");
  if (te.length > 0) return te[te.length - 1] === "chunked" ? { kind: "chunked" } : { kind: "eof" };
  const length = contentLength(res.headers);
  if (length === undefined) return { kind: "eof" };
  return length > 0 ? { kind: "length", length } : { kind: "none" };
}

/** Rewrites a response head to say `Connection: close`. */
function withConnectionClose(raw: Uint8Array): Uint8Array {
  const lines = decoder.decode(raw).split(/\r?\n/).filter((l) => l !== "");
  const kept = lines.filter((l, i) => i === 0 || !/^(connection|keep-alive)\s*:/i.test(l));
  return encoder.encode([...kept, "Connection: close", "", ""].join("\r\n"));
}

/**
 * Copies one message body with its framing unchanged from `src` to `sink`, counting
 * payload bytes (without chunked framing) into `counter`.
 */
async function copyBody(
  src: ByteReader,
  framing: Framing,
  sink: Sink,
  counter: Counter,
): Promise<void> {
  switch (framing.kind) {
    case "none":
      return;
    case "length":
      return await copyBytes(src, framing.length, sink, counter);
    case "eof":
      for (;;) {
        const chunk = await src.readSome(COPY_CHUNK_BYTES);
        if (chunk === null) return;
        counter.n += chunk.length;
        await sink(chunk);
      }
    case "chunked":
      for (;;) {
        const line = await src.readLine();
        if (line === null) throw new Error("Connection closed in the middle of a chunked body.");
        const sizeText = decoder.decode(line).split(";")[0].trim();
        if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new HttpError(400, "Bad chunk size.");
        const size = parseInt(sizeText, 16);
        await sink(line);
        if (size === 0) {
          for (;;) { // trailers up to the blank line
            const trailer = await src.readLine();
            if (trailer === null) throw new Error("Connection closed in chunked trailers.");
            await sink(trailer);
            if (trailer.length <= 2 && decoder.decode(trailer).trim() === "") return;
          }
        }
        await copyBytes(src, size, sink, counter);
        const crlf = await src.readLine();
        if (crlf === null) throw new Error("Connection closed in the middle of a chunked body.");
        await sink(crlf);
      }
  }
}

async function copyBytes(src: ByteReader, length: number, sink: Sink, counter: Counter) {
  let remaining = length;
  while (remaining > 0) {
    const chunk = await src.readSome(Math.min(remaining, COPY_CHUNK_BYTES));
    if (chunk === null) throw new Error("Connection closed in the middle of a body.");
    remaining -= chunk.length;
    counter.n += chunk.length;
    await sink(chunk);
  }
}

/** A sink that passes `limit` bytes to `socket`, then throws {@linkcode StopCopy}. */
function limitedSink(socket: Socket, limit: number): Sink {
  let sent = 0;
  return async (chunk) => {
    const room = limit - sent;
    if (chunk.length >= room) {
      if (room > 0) await socket.write(chunk.subarray(0, room));
      sent = limit;
      throw new StopCopy();
    }
    await socket.write(chunk);
    sent += chunk.length;
  };
}

const discard: Sink = () => Promise.resolve();

/** A deterministic RNG (mulberry32) for tests that must replay the same choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Slow Down",
  504: "Gateway Timeout",
};

const DEFAULT_CODES: Record<number, [string, string]> = {
  400: ["InvalidRequest", "Invalid request."],
  403: ["AccessDenied", "Access Denied."],
  408: [
    "RequestTimeout",
    "Your socket connection to the server was not read from or written to within the timeout period.",
  ],
  409: ["OperationAborted", "A conflicting conditional operation is currently in progress."],
  429: ["SlowDown", "Please reduce your request rate."],
  500: ["InternalError", "We encountered an internal error. Please try again."],
  501: ["NotImplemented", "A header you provided implies functionality that is not implemented."],
  503: ["SlowDown", "Please reduce your request rate."],
};

function errorCode(status: number, url: URL): [string, string] {
  if (status === 404) {
    return url.searchParams.has("uploadId")
      ? ["NoSuchUpload", "The specified upload does not exist."]
      : ["NoSuchKey", "The specified key does not exist."];
  }
  return DEFAULT_CODES[status] ??
    (status >= 500
      ? ["InternalError", "Injected server error."]
      : ["InvalidRequest", "Injected client error."]);
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function validateRules(rules: FaultRule[]): void {
  for (const [i, rule] of rules.entries()) {
    const where = `Fault rule ${i + 1}`;
    if (rule.nth !== undefined && !(Number.isInteger(rule.nth) && rule.nth >= 1)) {
      throw new RangeError(`${where}: nth must be an integer >= 1.`);
    }
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
      throw new RangeError(`${where}: times must be an integer >= 0.`);
    }
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new RangeError(`${where}: probability must be between 0 and 1.`);
    }
    const action = rule.action;
    if (
      action.kind === "status" &&
      !(Number.isInteger(action.status) && action.status >= 200 && action.status <= 599)
    ) {
      throw new RangeError(`${where}: status must be an integer 200..599.`);
    }
    const amounts: [string, number | undefined][] = action.kind === "latency"
      ? [["ms", action.ms]]
      : action.kind === "stall"
      ? [["ms", action.ms]]
      : action.kind === "reset_mid_body" || action.kind === "truncate_response"
      ? [["afterBytes", action.afterBytes]]
      : action.kind === "status"
      ? [["retryAfterSeconds", action.retryAfterSeconds]]
      : [];
    for (const [name, value] of amounts) {
      if (value === undefined && !(action.kind === "latency")) continue;
      if (!(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`${where}: ${action.kind} ${name} must be a number >= 0.`);
      }
    }
  }
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
        bodyTask = copyBody(client.reader, req.framing, async (chunk) => {
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

function toHeaders(pairs: [string, string][]): Headers {
  const headers = new Headers();
  for (const [name, value] of pairs) {
    try {
      headers.append(name, value);
    } catch {
      // a value fetch's Headers refuses; the predicate will not see it
    }
  }
  return headers;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
