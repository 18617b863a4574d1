/**
 * The S3 adapter with a paced body, against a minimal HTTP server that records what
 * arrives: the exact bytes with an explicit Content-Length, the payload hash signed where
 * asked, and the slices reported as they are handed over.
 */
import { createHash } from "node:crypto";
import { assertEquals, assertRejects } from "../testing/assert.ts";
import type { PartBody, PartStream } from "../part_body.ts";
import { SLICE_BYTES, slicer } from "../rate_limit.ts";
import { type PartChecksum, S3_LIMITS, type UploadedPart } from "../types.ts";
import { computeChecksum } from "../checksum.ts";
import { S3Backend } from "./s3_backend.ts";

async function withServer(
  fn: (url: string, seen: Array<{ headers: Headers; body: Uint8Array }>) => Promise<void>,
) {
  const seen: Array<{ headers: Headers; body: Uint8Array }> = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    seen.push({ headers: req.headers, body: new Uint8Array(await req.arrayBuffer()) });
    return new Response("", { headers: { ETag: '"abc"' } });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, seen);
  } finally {
    await server.shutdown();
  }
}

function backend(
  endpoint: string,
  unsignedPayload: boolean,
  kind: "node" | "fetch" = "node",
  trailingChecksums = false,
) {
  return new S3Backend({
    name: "test",
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    limits: S3_LIMITS,
    unsignedPayload,
    trailingChecksums,
    http: { kind, maxSockets: 2, connectTimeoutMs: 5000, requestTimeoutMs: 5000 },
  });
}

/**
 * Sends `body` as part 1 of an upload through a fresh adapter (paced by a slicer unless
 * `paced` is false; with `checksum` as given): the part the adapter returned and the slice
 * sizes the slicer was told of.
 */
async function sendPart(
  url: string,
  body: PartBody,
  unsignedPayload: boolean,
  kind: "node" | "fetch" = "node",
  opts: { paced?: boolean; checksum?: PartChecksum } = {},
): Promise<UploadedPart & { slices: number[] }> {
  const slices: number[] = [];
  const s3 = backend(url, unsignedPayload, kind, opts.checksum?.trailing);
  try {
    const part = await s3.uploadPart({
      bucket: "b",
      key: "k",
      uploadId: "u",
      partNumber: 1,
      body,
      checksum: opts.checksum ?? { algorithm: "none", value: "" },
      ...(opts.paced === false ? {} : { paceBody: slicer({ sent: (n) => slices.push(n) }) }),
    }, new AbortController().signal);
    return { ...part, slices };
  } finally {
    s3.close();
  }
}

/**
 * The SDK signs with credentials from the environment: set them for the test only and put
 * the old values back, so CLI runs that later tests spawn inherit none (they test "no
 * credentials" too).
 */
async function withTestCredentials(fn: () => Promise<void>): Promise<void> {
  const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
  const before = names.map((name) => Deno.env.get(name));
  names.forEach((name) => Deno.env.set(name, "test"));
  try {
    await fn();
  } finally {
    names.forEach((name, i) =>
      before[i] === undefined ? Deno.env.delete(name) : Deno.env.set(name, before[i]!)
    );
  }
}

for (const unsigned of [false, true]) {
  Deno.test(`a paced part arrives whole, ${unsigned ? "unsigned" : "chunk-signed"}`, async () => {
    await withTestCredentials(() =>
      withServer(async (url, seen) => {
        const body = new Uint8Array(SLICE_BYTES * 5 + 123).map((_, i) => (i * 7) % 256);
        const { eTag, slices } = await sendPart(url, body, unsigned);
        assertEquals(eTag, "abc");
        assertEquals(seen.length, 1);
        assertEquals(seen[0].headers.get("transfer-encoding"), null);
        assertArrivedWhole(seen[0], body, unsigned, !unsigned);
        assertEquals(slices.reduce((a, b) => a + b, 0), body.length);
        assertEquals(slices.length, 6);
      })
    );
  });
}

Deno.test("with the fetch transport a paced part is sent whole, keeping Content-Length", async () => {
  await withTestCredentials(() =>
    withServer(async (url, seen) => {
      const body = new Uint8Array(SLICE_BYTES * 2 + 5).fill(9);
      const { slices } = await sendPart(url, body, true, "fetch");
      assertEquals(seen[0].body, body);
      assertEquals(seen[0].headers.get("content-length"), String(body.length));
      assertEquals(slices, [], "not sliced");
    })
  );
});

/**
 * A PartStream over `body` in `slice`-byte reads; `fail` throws after that many bytes. It
 * reads into the buffers the consumer lends when offered (the zero-copy path), and into one
 * reused buffer of its own otherwise (the consumer must copy).
 */
function streamOf(body: Uint8Array, slice: number, fail?: number): PartStream {
  const own = new Uint8Array(slice);
  return {
    size: body.length,
    open: async function* (_signal, take) {
      for (let at = 0; at < body.length; at += slice) {
        if (fail !== undefined && at >= fail) throw new Error("the source changed");
        const bytes = body.subarray(at, at + slice);
        const into = take ? await take() : own;
        into.set(bytes);
        yield into.subarray(0, bytes.length);
      }
    },
  };
}

Deno.test("a streamed part read into lent buffers arrives whole, paced or not", async () => {
  await withTestCredentials(() =>
    withServer(async (url, seen) => {
      const body = new Uint8Array(1_000_003).map((_, i) => (i * 17) % 253);
      const s3 = backend(url, true);
      const slices: number[] = [];
      try {
        for (const paceBody of [undefined, slicer({ sent: (n) => slices.push(n) })]) {
          await s3.uploadPart({
            bucket: "b",
            key: "k",
            uploadId: "u",
            partNumber: 1,
            body: streamOf(body, 60_000), // within a lent 64 KiB buffer
            checksum: { algorithm: "none", value: "" },
            ...(paceBody ? { paceBody } : {}),
          }, new AbortController().signal);
        }
      } finally {
        s3.close();
      }
      assertEquals(seen.length, 2);
      for (const request of seen) assertEquals(request.body, body);
      assertEquals(slices.reduce((a, b) => a + b, 0), body.length);
    })
  );
});

/**
 * A source that yields each slice only once the next is read (as a checked part stream holds
 * its last slice back until the bytes are summed), into lent buffers; says so in heldSlices.
 */
function holdingStreamOf(body: Uint8Array, slice: number): PartStream {
  return {
    size: body.length,
    heldSlices: 1,
    open: async function* (_signal, take) {
      let held: Uint8Array | undefined;
      for (let at = 0; at < body.length; at += slice) {
        const bytes = body.subarray(at, at + slice);
        const into = await take!();
        into.set(bytes);
        if (held) yield held;
        held = into.subarray(0, bytes.length);
      }
      if (held) yield held;
    },
  };
}

Deno.test("a source that holds a slice back gets a buffer more, and its part arrives whole", async () => {
  await withTestCredentials(() =>
    withServer(async (url, seen) => {
      const body = new Uint8Array(1_000_003).map((_, i) => (i * 13) % 251);
      const s3 = backend(url, true);
      try {
        // Without the extra buffer the source would wait for one only its next read frees.
        const sent = s3.uploadPart({
          bucket: "b",
          key: "k",
          uploadId: "u",
          partNumber: 1,
          body: holdingStreamOf(body, 60_000),
          checksum: { algorithm: "none", value: "" },
        }, new AbortController().signal);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const stuck = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("the body never finished")), 10_000);
        });
        await Promise.race([sent, stuck]).finally(() => clearTimeout(timer));
      } finally {
        s3.close();
      }
      assertEquals(seen.length, 1);
      assertEquals(seen[0].body, body);
    })
  );
});

for (const kind of ["node", "fetch"] as const) {
  for (const unsigned of [false, true]) {
    Deno.test(`a streamed part arrives whole over ${kind}, ${unsigned ? "unsigned" : "signed"}`, async () => {
      await withTestCredentials(() =>
        withServer(async (url, seen) => {
          const body = new Uint8Array(300_001).map((_, i) => (i * 13) % 256);
          const part = await sendPart(url, streamOf(body, 65_000), unsigned, kind, {
            paced: false,
          });
          assertEquals(part.size, body.length);
          assertEquals(seen.length, 1);
          // Signed over node: chunk signatures (the part read once); over fetch the part is
          // read whole first, so its SHA-256 is signed.
          assertArrivedWhole(seen[0], body, unsigned, !unsigned && kind === "node");
        })
      );
    });
  }

  Deno.test(`a streamed part whose source fails mid-body over ${kind} rejects with that failure`, async () => {
    await withTestCredentials(() =>
      withServer(async (url, seen) => {
        const body = new Uint8Array(300_000).fill(7);
        await assertRejects(
          () => sendPart(url, streamOf(body, 65_000, 130_000), true, kind, { paced: false }),
          Error,
          /the source changed/,
        );
        // Nothing complete reached the server (the request was cut, or never made).
        for (const request of seen) assertEquals(request.body.length < body.length, true);
      })
    );
  });
}

Deno.test("a trailing CRC32 goes after a streamed part, aws-chunked, and is the checksum returned", async () => {
  await withTestCredentials(() =>
    withServer(async (url, seen) => {
      const body = new Uint8Array(1_500_001).map((_, i) => (i * 7) % 256);
      const part = await sendPart(url, streamOf(body, 65_000), true, "node", {
        paced: false,
        checksum: { algorithm: "crc32", value: "", trailing: true },
      });
      const want = computeChecksum("crc32", body);
      assertEquals(part.checksum, want);
      const [request] = seen;
      assertEquals(request.headers.get("x-amz-trailer"), "x-amz-checksum-crc32");
      assertEquals(request.headers.get("x-amz-decoded-content-length"), String(body.length));
      assertEquals(request.headers.get("content-length"), String(request.body.length));
      // 1 MiB chunk, the rest, the closing chunk and the trailer.
      const text = new TextDecoder("latin1").decode(request.body);
      assertEquals(text.slice(0, 8), "100000\r\n");
      assertEquals(text.endsWith(`0\r\nx-amz-checksum-crc32:${want}\r\n\r\n`), true);
    })
  );
});

/** The payload of a chunk-signed body, each chunk's header checked for its signature's form. */
function signedChunksPayload(encoded: Uint8Array): Uint8Array {
  const text = new TextDecoder("latin1").decode(encoded);
  const chunks: Uint8Array[] = [];
  for (let at = 0;;) {
    const eol = text.indexOf("\r\n", at);
    const header = text.slice(at, eol).match(/^([0-9a-f]+);chunk-signature=[0-9a-f]{64}$/);
    assertEquals(header !== null, true, text.slice(at, eol));
    const size = parseInt(header![1], 16);
    at = eol + 2;
    if (size === 0) {
      assertEquals(at + 2, text.length);
      break;
    }
    chunks.push(encoded.subarray(at, at + size));
    at += size + 2;
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((o, c) => (out.set(c, o), o + c.length), 0);
  return out;
}

/**
 * The request carried `body` with a matching Content-Length, unsigned, chunk-signed
 * (`chunked`), or signed by its SHA-256.
 */
function assertArrivedWhole(
  request: { headers: Headers; body: Uint8Array },
  body: Uint8Array,
  unsigned: boolean,
  chunked: boolean,
): void {
  assertEquals(request.headers.get("content-length"), String(request.body.length));
  assertEquals(
    request.headers.get("x-amz-content-sha256"),
    unsigned
      ? "UNSIGNED-PAYLOAD"
      : chunked
      ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
      : createHash("sha256").update(body).digest("hex"),
  );
  assertEquals(chunked ? signedChunksPayload(request.body) : request.body, body);
}
