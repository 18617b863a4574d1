import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  type CapturedRequest,
  classifyS3Operation,
  type FaultProxy,
  type FaultRule,
  startFaultProxy,
} from "./fault_proxy.ts";

const MiB = 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Deterministic bytes: position-dependent so a shifted or dropped chunk changes the hash. */
function pattern(size: number, salt = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >>> 13) + salt) & 0xff;
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

interface Echo {
  method: string;
  path: string;
  bytes: number;
  sha256: string;
  host: string | null;
  expect: string | null;
}

/**
 * Upstream test server: echoes the SHA-256 of request bodies, serves `/big?size=N` and
 * `/big/KEY?size=N` (Content-Length) and `/chunked?size=N` (chunked), answers HEAD with a
 * Content-Length.
 */
function startUpstream() {
  const seen: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      seen.push(`${req.method} ${url.pathname}${url.search}`);
      const size = Number(url.searchParams.get("size") ?? "0");
      if (url.pathname.startsWith("/big")) return new Response(pattern(size));
      if (url.pathname === "/chunked") {
        const data = pattern(size);
        let at = 0;
        return new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (at >= data.length) return controller.close();
              controller.enqueue(data.slice(at, at + 100_000));
              at += 100_000;
            },
          }),
        );
      }
      if (url.pathname === "/reject") {
        return new Response("no", { status: 403 }); // answers without reading the body
      }
      if (req.method === "HEAD") {
        return new Response(null, { headers: { "content-length": "12345", etag: '"abc"' } });
      }
      const body = new Uint8Array(await req.arrayBuffer());
      const echo: Echo = {
        method: req.method,
        path: url.pathname + url.search,
        bytes: body.length,
        sha256: sha256(body),
        host: req.headers.get("host"),
        expect: req.headers.get("expect"),
      };
      return Response.json(echo);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    close: () => server.shutdown(),
  };
}

/** Runs `fn` with an upstream, a proxy in front of it and a private fetch client. */
async function withProxy(
  opts: { rules?: FaultRule[]; seed?: number; capture?: boolean },
  fn: (
    ctx: { proxy: FaultProxy; upstream: ReturnType<typeof startUpstream>; client: Deno.HttpClient },
  ) => Promise<void>,
): Promise<void> {
  const upstream = startUpstream();
  const proxy = await startFaultProxy({ target: upstream.url, ...opts });
  const client = Deno.createHttpClient({});
  try {
    await fn({ proxy, upstream, client });
  } finally {
    client.close();
    await proxy.close();
    await upstream.close();
  }
}

/** A raw HTTP/1.1 client on one TCP connection, to see exactly what the proxy sends. */
class RawClient {
  #buf = new Uint8Array(0);
  #eof = false;
  private constructor(readonly conn: Deno.TcpConn) {}

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async send(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? encoder.encode(data) : data;
    while (bytes.length > 0) bytes = bytes.subarray(await this.conn.write(bytes));
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = new Uint8Array(64 * 1024);
    let n: number | null;
    try {
      n = await this.conn.read(chunk);
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) n = null;
      else throw error;
    }
    if (n === null) {
      this.#eof = true;
      return false;
    }
    const merged = new Uint8Array(this.#buf.length + n);
    merged.set(this.#buf);
    merged.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = merged;
    return true;
  }

  /** Reads one response head: status and lower-cased headers; null at EOF. */
  async readHead(): Promise<{ status: number; headers: Map<string, string> } | null> {
    for (;;) {
      const text = decoder.decode(this.#buf);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        this.#buf = this.#buf.subarray(encoder.encode(text.slice(0, end + 4)).length);
        const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
        const headers = new Map<string, string>();
        for (const line of lines) {
          const colon = line.indexOf(":");
          headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
        }
        return { status: Number(statusLine.split(" ")[1]), headers };
      }
      if (!(await this.#fill())) return null;
    }
  }

  /** Reads up to `n` body bytes (fewer only at EOF). */
  async readBytes(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n && await this.#fill()) {
      // keep reading
    }
    const out = this.#buf.slice(0, Math.min(n, this.#buf.length));
    this.#buf = this.#buf.subarray(out.length);
    return out;
  }

  /** Reads a full response with a Content-Length body. */
  async readResponse(method = "GET") {
    const head = await this.readHead();
    assert.ok(head, "expected a response, got EOF");
    const length = method === "HEAD" ? 0 : Number(head.headers.get("content-length") ?? "0");
    const body = await this.readBytes(length);
    return { ...head, body, text: decoder.decode(body) };
  }

  /** Reads everything until the peer closes; returns what arrived. */
  async readToEnd(): Promise<Uint8Array> {
    while (await this.#fill()) {
      // keep reading
    }
    const out = this.#buf;
    this.#buf = new Uint8Array(0);
    return out;
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

function put(path: string, body: Uint8Array, extra = ""): string {
  return `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n${extra}\r\n`;
}

Deno.test("classifyS3Operation names the S3 operations of path-style requests", () => {
  const cases: [string, string, string][] = [
    ["PUT", "/b/k?partNumber=3&uploadId=abc&x-id=UploadPart", "UploadPart"],
    ["PUT", "/b/dir/k.bin?uploadId=abc&partNumber=1", "UploadPart"],
    ["PUT", "/b/k?x-id=PutObject", "PutObject"],
    ["PUT", "/b/k?uploadId=abc", "PutObject"],
    ["PUT", "/b/k?tagging", "other"],
    ["PUT", "/b", "other"],
    ["POST", "/b/k?uploads", "CreateMultipartUpload"],
    ["POST", "/b/k?uploads=&x-id=CreateMultipartUpload", "CreateMultipartUpload"],
    ["POST", "/b/k?uploadId=abc", "CompleteMultipartUpload"],
    ["POST", "/b?delete", "other"],
    ["GET", "/b/k?uploadId=abc&max-parts=1000", "ListParts"],
    ["GET", "/b?uploads", "ListMultipartUploads"],
    ["GET", "/b/?uploads&prefix=k", "ListMultipartUploads"],
    ["GET", "/b/k", "GetObject"],
    ["GET", "/b/k?x-id=GetObject&partNumber=1", "GetObject"],
    ["GET", "/b/k?acl", "other"],
    ["GET", "/b?list-type=2", "other"],
    ["GET", "/", "other"],
    ["DELETE", "/b/k?uploadId=abc", "AbortMultipartUpload"],
    ["DELETE", "/b/k", "other"],
    ["HEAD", "/b/k", "HeadObject"],
    ["head", "/b/a/b/c", "HeadObject"],
    ["HEAD", "/b", "HeadBucket"],
    ["HEAD", "/b/", "HeadBucket"],
    ["HEAD", "/", "other"],
    ["OPTIONS", "/b/k", "other"],
  ];
  for (const [method, path, expected] of cases) {
    assert.equal(
      classifyS3Operation(method, new URL(path, "http://127.0.0.1:9000")),
      expected,
      `${method} ${path}`,
    );
  }
});

Deno.test("startFaultProxy refuses non-loopback and non-http targets", async () => {
  await assert.rejects(async () => await startFaultProxy({ target: "http://10.0.0.1:9000" }), {
    name: "TypeError",
    message: /loopback/,
  });
  await assert.rejects(async () => await startFaultProxy({ target: "https://127.0.0.1:9000" }), {
    name: "TypeError",
    message: /http:\/\//,
  });
});

Deno.test("pass-through: a 20 MiB request body and a 20 MiB response arrive byte-exact", async () => {
  await withProxy({ capture: true }, async ({ proxy, upstream, client }) => {
    const body = pattern(20 * MiB, 7);
    const res = await fetch(`${proxy.url}/bucket/key?partNumber=1&uploadId=u1`, {
      method: "PUT",
      body,
      client,
    });
    assert.equal(res.status, 200);
    const echo = await res.json() as Echo;
    assert.equal(echo.bytes, body.length);
    assert.equal(echo.sha256, sha256(body));
    assert.equal(echo.path, "/bucket/key?partNumber=1&uploadId=u1");
    // The Host header the client sent (and signed) reaches the upstream unchanged.
    assert.equal(echo.host, `127.0.0.1:${proxy.port}`);

    const big = await fetch(`${proxy.url}/big?size=${20 * MiB}`, { client });
    assert.equal(big.headers.get("content-length"), String(20 * MiB));
    const got = new Uint8Array(await big.arrayBuffer());
    assert.equal(got.length, 20 * MiB);
    assert.equal(sha256(got), sha256(pattern(20 * MiB)));

    assert.equal(proxy.stats.requests, 2);
    assert.deepEqual(proxy.stats.byOperation, { UploadPart: 1, other: 1 });
    assert.deepEqual(proxy.stats.injected, {});
    assert.equal(proxy.captured[0].bodyBytes, 20 * MiB);
    assert.equal(proxy.captured[0].status, 200);
    assert.equal(upstream.seen.length, 2);
  });
});

Deno.test("pass-through relays chunked responses and chunked request bodies", async () => {
  await withProxy({}, async ({ proxy, client }) => {
    const res = await fetch(`${proxy.url}/chunked?size=${3 * MiB + 17}`, { client });
    assert.equal(res.headers.get("content-length"), null);
    const got = new Uint8Array(await res.arrayBuffer());
    assert.equal(sha256(got), sha256(pattern(3 * MiB + 17)));

    // A streamed fetch body goes out chunked.
    const data = pattern(2 * MiB + 5, 3);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < data.length; at += 300_000) {
          controller.enqueue(data.slice(at, at + 300_000));
        }
        controller.close();
      },
    });
    const up = await fetch(`${proxy.url}/bucket/streamed`, { method: "PUT", body: stream, client });
    const echo = await up.json() as Echo;
    assert.equal(echo.bytes, data.length);
    assert.equal(echo.sha256, sha256(data));
  });
});

Deno.test("an upstream answer sent before the request body ends is relayed", async () => {
  await withProxy({ capture: true }, async ({ proxy, client }) => {
    const res = await fetch(`${proxy.url}/reject`, {
      method: "PUT",
      body: pattern(8 * MiB),
      client,
    });
    assert.equal(res.status, 403);
    assert.equal(await res.text(), "no");
    assert.equal(proxy.captured[0].status, 403);
    // The proxy stays usable afterwards.
    const ok = await fetch(`${proxy.url}/big?size=100`, { client });
    assert.equal((await ok.arrayBuffer()).byteLength, 100);
  });
});

Deno.test("setRules rejects malformed rules", async () => {
  await withProxy({}, ({ proxy }) => {
    const bad: FaultRule[][] = [
      [{ match: {}, nth: 0, action: { kind: "pass" } }],
      [{ match: {}, times: 1.5, action: { kind: "pass" } }],
      [{ match: {}, probability: 2, action: { kind: "pass" } }],
      [{ match: {}, action: { kind: "status", status: 99 } }],
      [{ match: {}, action: { kind: "latency", ms: -1 } }],
      [{ match: {}, action: { kind: "reset_mid_body", afterBytes: NaN } }],
    ];
    for (const rules of bad) {
      assert.throws(() => proxy.setRules(rules), RangeError, JSON.stringify(rules));
    }
    return Promise.resolve();
  });
});

Deno.test("keep-alive: several requests, pipelined too, share one client connection", async () => {
  await withProxy({ capture: true }, async ({ proxy, upstream }) => {
    const raw = await RawClient.connect(proxy.port);
    try {
      for (let i = 1; i <= 3; i++) {
        const body = pattern(1000 * i, i);
        await raw.send(put(`/b/k${i}`, body));
        await raw.send(body);
        const res = await raw.readResponse();
        assert.equal(res.status, 200);
        const echo = JSON.parse(res.text) as Echo;
        assert.equal(echo.path, `/b/k${i}`);
        assert.equal(echo.sha256, sha256(body));
      }
      // Two requests written back to back before reading any answer.
      await raw.send(
        "GET /big?size=10 HTTP/1.1\r\nHost: x\r\n\r\nGET /big?size=20 HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      assert.equal((await raw.readResponse()).body.length, 10);
      assert.equal((await raw.readResponse()).body.length, 20);
      // HEAD: the Content-Length describes the entity, no body follows; the socket stays usable.
      await raw.send("HEAD /b/k HTTP/1.1\r\nHost: x\r\n\r\n");
      const head = await raw.readResponse("HEAD");
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), "12345");
      await raw.send("GET /big?size=5 HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.deepEqual((await raw.readResponse()).body, pattern(5));
    } finally {
      raw.close();
    }
    assert.equal(proxy.stats.connections, 1);
    assert.equal(proxy.stats.requests, 7);
    assert.equal(upstream.seen.length, 7);
    assert.deepEqual(proxy.captured.map((c) => c.operation), [
      "PutObject",
      "PutObject",
      "PutObject",
      "other",
      "other",
      "HeadObject",
      "other",
    ]);
  });
});

Deno.test("Expect: 100-continue is forwarded and the upstream's 100 Continue relayed", async () => {
  await withProxy({}, async ({ proxy }) => {
    const raw = await RawClient.connect(proxy.port);
    try {
      const body = pattern(300_000, 9);
      await raw.send(put("/b/k?partNumber=1&uploadId=u", body, "Expect: 100-continue\r\n"));
      const interim = await raw.readHead();
      assert.equal(interim?.status, 100);
      await raw.send(body);
      const res = await raw.readResponse();
      assert.equal(res.status, 200);
      const echo = JSON.parse(res.text) as Echo;
      assert.equal(echo.sha256, sha256(body));
      assert.equal(echo.expect, "100-continue");
    } finally {
      raw.close();
    }
  });
});

Deno.test("status fault: S3 XML error with Retry-After, not forwarded", async () => {
  await withProxy({
    capture: true,
    rules: [{
      match: { operation: "UploadPart" },
      action: { kind: "status", status: 503, retryAfterSeconds: 2 },
    }],
  }, async ({ proxy, upstream, client }) => {
    const body = pattern(MiB);
    const res = await fetch(`${proxy.url}/b/k?partNumber=2&uploadId=u`, {
      method: "PUT",
      body,
      client,
    });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "2");
    assert.equal(res.headers.get("content-type"), "application/xml");
    const xml = await res.text();
    assert.match(xml, /<Error><Code>SlowDown<\/Code><Message>[^<]+<\/Message>/);
    assert.match(xml, /<Resource>\/b\/k<\/Resource>/);
    assert.equal(upstream.seen.length, 0);
    assert.equal(proxy.captured[0].bodyBytes, MiB);
    assert.equal(proxy.captured[0].status, 503);
    assert.equal(proxy.captured[0].fault, "status");

    // The connection stays usable and other operations pass.
    const ok = await fetch(`${proxy.url}/b/k`, { method: "PUT", body: pattern(10), client });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();

    // Custom code; a 404 on an upload id defaults to NoSuchUpload.
    proxy.setRules([
      { match: { method: "POST" }, action: { kind: "status", status: 500, code: "Weird" } },
      { match: { method: "GET" }, action: { kind: "status", status: 404 } },
    ]);
    const weird = await fetch(`${proxy.url}/b/k?uploadId=u`, { method: "POST", client });
    assert.equal(weird.status, 500);
    assert.equal(weird.headers.get("retry-after"), null);
    assert.match(await weird.text(), /<Code>Weird<\/Code>/);
    const missing = await fetch(`${proxy.url}/b/k?uploadId=u`, { client });
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<Code>NoSuchUpload<\/Code>/);
    assert.deepEqual(proxy.stats.injected, { status: 3 });
  });
});

Deno.test("status fault with Expect: 100-continue answers without asking for the body", async () => {
  await withProxy({
    rules: [{ match: {}, action: { kind: "status", status: 503, retryAfterSeconds: 1 } }],
  }, async ({ proxy, upstream }) => {
    const raw = await RawClient.connect(proxy.port);
    try {
      await raw.send(put("/b/k", pattern(5 * MiB), "Expect: 100-continue\r\n"));
      const res = await raw.readResponse();
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("connection"), "close");
      assert.match(res.text, /<Code>SlowDown<\/Code>/);
      assert.equal((await raw.readToEnd()).length, 0);
    } finally {
      raw.close();
    }
    assert.equal(upstream.seen.length, 0);
  });
});

Deno.test("reset_mid_body: the client's upload fails and nothing reaches the upstream", async () => {
  await withProxy({
    capture: true,
    rules: [{
      match: { operation: "UploadPart" },
      action: { kind: "reset_mid_body", afterBytes: 100_000 },
    }],
  }, async ({ proxy, upstream, client }) => {
    await assert.rejects(
      fetch(`${proxy.url}/b/k?partNumber=1&uploadId=u`, {
        method: "PUT",
        body: pattern(8 * MiB),
        client,
      }),
      TypeError,
    );
    assert.equal(upstream.seen.length, 0);
    assert.equal(proxy.captured[0].bodyBytes, 100_000);
    assert.equal(proxy.captured[0].status, undefined);
    assert.deepEqual(proxy.stats.injected, { reset_mid_body: 1 });

    // Raw view: no response byte, just the end of the connection.
    const raw = await RawClient.connect(proxy.port);
    try {
      const body = pattern(4 * MiB);
      await raw.send(put("/b/k?partNumber=2&uploadId=u", body));
      await raw.send(body).catch(() => {}); // the proxy may reset while we write
      assert.equal((await raw.readToEnd()).length, 0);
    } finally {
      raw.close();
    }
    assert.equal(proxy.captured[1].bodyBytes, 100_000);
  });
});

Deno.test("reset_mid_body with Expect: 100-continue sends 100 first, defaults to half the body", async () => {
  await withProxy({
    capture: true,
    rules: [{ match: {}, action: { kind: "reset_mid_body" } }],
  }, async ({ proxy }) => {
    const raw = await RawClient.connect(proxy.port);
    try {
      const body = pattern(MiB);
      await raw.send(put("/b/k", body, "Expect: 100-continue\r\n"));
      assert.equal((await raw.readHead())?.status, 100);
      await raw.send(body).catch(() => {});
      assert.equal((await raw.readToEnd()).length, 0);
    } finally {
      raw.close();
    }
    assert.equal(proxy.captured[0].bodyBytes, MiB / 2);
  });
});

Deno.test("stall: the client's own timeout fires; stall with ms closes the connection", async () => {
  await withProxy({
    rules: [{ match: { operation: "CompleteMultipartUpload" }, action: { kind: "stall" } }],
  }, async ({ proxy, upstream, client }) => {
    const started = performance.now();
    await assert.rejects(
      fetch(`${proxy.url}/b/k?uploadId=u`, {
        method: "POST",
        body: "<CompleteMultipartUpload/>",
        signal: AbortSignal.timeout(300),
        client,
      }),
      { name: "TimeoutError" },
    );
    assert.ok(performance.now() - started >= 290);
    assert.equal(upstream.seen.length, 0);
    assert.deepEqual(proxy.stats.injected, { stall: 1 });

    proxy.setRules([{ match: {}, action: { kind: "stall", ms: 200 } }]);
    const raw = await RawClient.connect(proxy.port);
    try {
      const t0 = performance.now();
      await raw.send("GET /b/k HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await raw.readToEnd()).length, 0);
      const elapsed = performance.now() - t0;
      assert.ok(elapsed >= 190 && elapsed < 2000, `closed after ${elapsed} ms`);
    } finally {
      raw.close();
    }
    assert.equal(upstream.seen.length, 0);
  });
});

Deno.test("latency: the answer is correct and arrives no sooner than ms", async () => {
  await withProxy({
    rules: [{ match: { operation: "UploadPart" }, action: { kind: "latency", ms: 250 } }],
  }, async ({ proxy, client }) => {
    const body = pattern(100_000);
    const started = performance.now();
    const res = await fetch(`${proxy.url}/b/k?partNumber=1&uploadId=u`, {
      method: "PUT",
      body,
      client,
    });
    const echo = await res.json() as Echo;
    assert.ok(performance.now() - started >= 245);
    assert.equal(echo.sha256, sha256(body));

    // Other operations are not delayed.
    const fast = await fetch(`${proxy.url}/b/k`, { method: "PUT", body, client });
    await fast.body?.cancel();
    assert.equal(fast.status, 200);
    assert.deepEqual(proxy.stats.injected, { latency: 1 });
  });
});

Deno.test("truncate_response: headers promise more than the body delivers", async () => {
  await withProxy({
    rules: [{ match: { operation: "GetObject" }, action: { kind: "truncate_response" } }],
  }, async ({ proxy, upstream, client }) => {
    const res = await fetch(`${proxy.url}/big/key?size=${MiB}`, { client });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(MiB));
    await assert.rejects(res.arrayBuffer());
    assert.equal(upstream.seen.length, 1, "the upstream did process the request");

    proxy.setRules([{ match: {}, action: { kind: "truncate_response", afterBytes: 1000 } }]);
    const raw = await RawClient.connect(proxy.port);
    try {
      await raw.send(`GET /big?size=${MiB} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const head = await raw.readHead();
      assert.equal(head?.status, 200);
      assert.equal(head?.headers.get("content-length"), String(MiB));
      const rest = await raw.readToEnd();
      assert.deepEqual(rest, pattern(MiB).subarray(0, 1000));
    } finally {
      raw.close();
    }
    assert.deepEqual(proxy.stats.injected, { truncate_response: 2 });
  });
});

Deno.test("truncate_response on a bodiless response cuts the head: done upstream, lost here", async () => {
  await withProxy({
    capture: true,
    rules: [{ match: { operation: "HeadObject" }, action: { kind: "truncate_response" } }],
  }, async ({ proxy, upstream, client }) => {
    await assert.rejects(fetch(`${proxy.url}/b/k`, { method: "HEAD", client }), TypeError);
    const raw = await RawClient.connect(proxy.port);
    try {
      await raw.send("HEAD /b/k HTTP/1.1\r\nHost: x\r\n\r\n");
      const partial = decoder.decode(await raw.readToEnd());
      assert.match(partial, /^HTTP\/1\.1 200/);
      assert.ok(!partial.includes("\r\n\r\n"), `got a whole head: ${JSON.stringify(partial)}`);
    } finally {
      raw.close();
    }
    assert.deepEqual(upstream.seen, ["HEAD /b/k", "HEAD /b/k"]);
    assert.deepEqual(proxy.captured.map((c) => [c.status, c.fault]), [
      [undefined, "truncate_response"],
      [undefined, "truncate_response"],
    ]);
  });
});

Deno.test("nth/times pick the nth..nth+times-1 matching requests, per rule", async () => {
  await withProxy({
    rules: [
      {
        match: { operation: "UploadPart" },
        nth: 2,
        times: 2,
        action: { kind: "status", status: 500 },
      },
      { match: { method: "HEAD" }, nth: 3, action: { kind: "status", status: 403 } },
    ],
  }, async ({ proxy, client }) => {
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) {
      // Interleave requests the first rule does not match: they do not advance its count.
      const head = await fetch(`${proxy.url}/b/k`, { method: "HEAD", client });
      statuses.push(head.status);
      const res = await fetch(`${proxy.url}/b/k?partNumber=${i}&uploadId=u`, {
        method: "PUT",
        body: pattern(10),
        client,
      });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 500, 403, 500, 200, 200, 200, 200]);
    assert.deepEqual(proxy.stats.injected, { status: 3 });
    assert.deepEqual(proxy.stats.byOperation, { HeadObject: 5, UploadPart: 5 });

    // setRules resets the counters.
    proxy.setRules([{ match: {}, nth: 1, action: { kind: "status", status: 503 } }]);
    const first = await fetch(`${proxy.url}/b/k`, { client });
    await first.body?.cancel();
    assert.equal(first.status, 503);
  });
});

Deno.test("a rule's test predicate sees the URL and the headers", async () => {
  await withProxy({
    rules: [{
      match: {
        test: (url, headers) =>
          url.searchParams.get("partNumber") === "7" && headers.get("x-mark") === "yes",
      },
      action: { kind: "status", status: 400, code: "BadDigest" },
    }],
  }, async ({ proxy, client }) => {
    const hit = await fetch(`${proxy.url}/b/k?partNumber=7&uploadId=u`, {
      method: "PUT",
      body: "x",
      headers: { "x-mark": "yes" },
      client,
    });
    assert.equal(hit.status, 400);
    assert.match(await hit.text(), /<Code>BadDigest<\/Code>/);
    const miss = await fetch(`${proxy.url}/b/k?partNumber=7&uploadId=u`, {
      method: "PUT",
      body: "x",
      client,
    });
    await miss.body?.cancel();
    assert.equal(miss.status, 200);
  });
});

Deno.test("probability uses the seeded RNG: same seed, same faults", async () => {
  async function run(seed: number): Promise<number[]> {
    let statuses: number[] = [];
    await withProxy({
      seed,
      rules: [{ match: {}, probability: 0.5, action: { kind: "status", status: 503 } }],
    }, async ({ proxy, client }) => {
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${proxy.url}/b/k${i}`, { client });
        await res.body?.cancel();
        statuses.push(res.status);
      }
      const injected = statuses.filter((s) => s === 503).length;
      assert.equal(proxy.stats.injected.status ?? 0, injected);
      // setRules re-seeds: the pattern starts over.
      proxy.setRules([{ match: {}, probability: 0.5, action: { kind: "status", status: 503 } }]);
      const again: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${proxy.url}/b/k${i}`, { client });
        await res.body?.cancel();
        again.push(res.status);
      }
      assert.deepEqual(again, statuses);
    });
    statuses = statuses.map((s) => (s === 503 ? 1 : 0));
    return statuses;
  }
  const a = await run(42);
  const b = await run(42);
  const c = await run(7);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const hits = a.reduce((sum, x) => sum + x, 0);
  assert.ok(hits > 8 && hits < 32, `~half of 40 requests faulted, got ${hits}`);
});

Deno.test("capture records method, url, operation, headers, body size and status", async () => {
  await withProxy({ capture: true }, async ({ proxy, client }) => {
    const res = await fetch(`${proxy.url}/bkt/obj.bin?partNumber=4&uploadId=xyz`, {
      method: "PUT",
      body: pattern(4321),
      headers: { "x-amz-checksum-crc32": "AAAAAA==", authorization: "AWS4-HMAC-SHA256 test" },
      client,
    });
    await res.body?.cancel();
    const captured: CapturedRequest = proxy.captured[0];
    assert.equal(captured.method, "PUT");
    assert.equal(captured.url, "/bkt/obj.bin?partNumber=4&uploadId=xyz");
    assert.equal(captured.operation, "UploadPart");
    assert.equal(captured.bodyBytes, 4321);
    assert.equal(captured.status, 200);
    assert.equal(captured.fault, undefined);
    assert.equal(captured.headers["x-amz-checksum-crc32"], "AAAAAA==");
    assert.equal(captured.headers["content-length"], "4321");
    assert.equal(captured.headers.host, `127.0.0.1:${proxy.port}`);
    assert.equal(captured.headers.authorization, "AWS4-HMAC-SHA256 test");
  });
  // Without capture nothing is kept.
  await withProxy({}, async ({ proxy, client }) => {
    const res = await fetch(`${proxy.url}/b/k`, { client });
    await res.body?.cancel();
    assert.equal(proxy.captured.length, 0);
    assert.equal(proxy.stats.requests, 1);
  });
});

Deno.test("bad requests get 400/501 and close; an unreachable upstream gives 502", async () => {
  await withProxy({}, async ({ proxy }) => {
    const raw = await RawClient.connect(proxy.port);
    try {
      await raw.send("NONSENSE\r\n\r\n");
      assert.equal((await raw.readResponse()).status, 400);
      assert.equal((await raw.readToEnd()).length, 0);
    } finally {
      raw.close();
    }
    const gz = await RawClient.connect(proxy.port);
    try {
      await gz.send("PUT /b/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n");
      assert.equal((await gz.readResponse()).status, 501);
    } finally {
      gz.close();
    }
  });
  // Find a port nothing listens on.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = listener.addr.port;
  listener.close();
  const proxy = await startFaultProxy({ target: `http://127.0.0.1:${deadPort}` });
  try {
    const res = await fetch(`${proxy.url}/b/k`);
    assert.equal(res.status, 502);
    assert.match(await res.text(), /Upstream unreachable/);
  } finally {
    await proxy.close();
  }
});

Deno.test("close() ends idle keep-alive, stalled and delayed connections promptly", async () => {
  const upstream = startUpstream();
  const proxy = await startFaultProxy({
    target: upstream.url,
    rules: [
      { match: { method: "POST" }, action: { kind: "stall" } },
      { match: { method: "DELETE" }, action: { kind: "latency", ms: 60_000 } },
    ],
  });
  const idle = await RawClient.connect(proxy.port);
  const stalled = await RawClient.connect(proxy.port);
  const delayed = await RawClient.connect(proxy.port);
  try {
    await idle.send("GET /big?size=3 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await idle.readResponse()).body.length, 3);
    await stalled.send("POST /b/k?uploadId=u HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    await delayed.send("DELETE /b/k?uploadId=u HTTP/1.1\r\nHost: x\r\n\r\n");
    while (proxy.stats.requests < 3) await new Promise((r) => setTimeout(r, 5));
    const t0 = performance.now();
    await proxy.close();
    assert.ok(performance.now() - t0 < 1000);
    for (const raw of [idle, stalled, delayed]) assert.equal((await raw.readToEnd()).length, 0);
    await proxy.close(); // idempotent
  } finally {
    idle.close();
    stalled.close();
    delayed.close();
    await upstream.close();
  }
});
