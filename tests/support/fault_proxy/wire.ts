/**
 * The fault proxy's HTTP/1.1 wire layer: sockets, a buffered byte reader, request and
 * response heads, body framing (Content-Length, chunked, close-delimited) and body copying.
 * Nothing here knows about S3 or faults.
 *
 * @module
 */

export const MAX_HEAD_BYTES = 64 * 1024;
export const READ_BUFFER_BYTES = 128 * 1024;
export const COPY_CHUNK_BYTES = 64 * 1024;
/** How long a closing connection keeps draining input so its last response survives. */
export const LINGER_MS = 1000;
export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "eof" };

export type Sink = (chunk: Uint8Array) => Promise<void>;

export interface Counter {
  n: number;
}

export interface ParsedRequest {
  raw: Uint8Array;
  method: string;
  target: string;
  headers: [string, string][];
  framing: Framing;
  expectContinue: boolean;
  wantsClose: boolean;
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Thrown by a sink to stop a copy on purpose. */
export class StopCopy extends Error {}

/** A connection that can be closed more than once. */
/** `client` for reading the request body, with everything written to it dropped. */
export function discardingView(client: Socket): Socket {
  return {
    reader: client.reader,
    closed: false,
    conn: { closeWrite: () => Promise.resolve() },
    write: () => Promise.resolve(),
    close: () => {},
    lingerClose: () => Promise.resolve(),
  } as unknown as Socket;
}

export class Socket {
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
export class ByteReader {
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
export function indexOfBlankLine(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (buf[i] !== 10) continue;
    if (i + 1 < end && buf[i + 1] === 10) return i + 2;
    if (i + 2 < end && buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
  }
  return -1;
}

export function parseHeaderLines(text: string): { startLine: string; headers: [string, string][] } {
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

export function headerValues(headers: [string, string][], name: string): string[] {
  return headers.filter(([n]) => n === name).map(([, v]) => v);
}

export function headerTokens(headers: [string, string][], name: string): string[] {
  return headerValues(headers, name).flatMap((v) => v.split(","))
    .map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0);
}

export function contentLength(headers: [string, string][]): number | undefined {
  const values = headerValues(headers, "content-length").flatMap((v) => v.split(","))
    .map((v) => v.trim());
  if (values.length === 0) return undefined;
  if (!values.every((v) => /^\d+$/.test(v) && v === values[0])) {
    throw new HttpError(400, "Bad Content-Length.");
  }
  return Number(values[0]);
}

export function parseRequest(raw: Uint8Array): ParsedRequest {
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

export interface ParsedResponse {
  status: number;
  headers: [string, string][];
  wantsClose: boolean;
}

export function parseResponse(raw: Uint8Array): ParsedResponse {
  const { startLine, headers } = parseHeaderLines(decoder.decode(raw));
  const match = /^(HTTP\/1\.[01]) (\d{3})(?: .*)?$/.exec(startLine);
  if (!match) throw new Error(`Bad upstream status line: ${startLine}`);
  const connection = headerTokens(headers, "connection");
  const wantsClose = match[1] === "HTTP/1.0"
    ? !connection.includes("keep-alive")
    : connection.includes("close");
  return { status: Number(match[2]), headers, wantsClose };
}

export function responseFraming(method: string, res: ParsedResponse): Framing {
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
export function withConnectionClose(raw: Uint8Array): Uint8Array {
  const lines = decoder.decode(raw).split(/\r?\n/).filter((l) => l !== "");
  const kept = lines.filter((l, i) => i === 0 || !/^(connection|keep-alive)\s*:/i.test(l));
  return encoder.encode([...kept, "Connection: close", "", ""].join("\r\n"));
}

/**
 * Copies one message body with its framing unchanged from `src` to `sink`, counting
 * payload bytes (without chunked framing) into `counter`.
 */
export async function copyBody(
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

export async function copyBytes(src: ByteReader, length: number, sink: Sink, counter: Counter) {
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
export function limitedSink(socket: Socket, limit: number): Sink {
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

export const discard: Sink = () => Promise.resolve();

export function toHeaders(pairs: [string, string][]): Headers {
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

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
