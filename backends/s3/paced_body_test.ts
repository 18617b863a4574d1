/**
 * The S3 adapter with a paced body, against a minimal HTTP server that records what
 * arrives: the exact bytes with an explicit Content-Length, the payload hash signed where
 * asked, and the slices reported as they are handed over.
 */
import { createHash } from "node:crypto";
import { assertEquals } from "../testing/assert.ts";
import { SLICE_BYTES, slicer } from "../rate_limit.ts";
import { S3_LIMITS } from "../types.ts";
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

function backend(endpoint: string, unsignedPayload: boolean, kind: "node" | "fetch" = "node") {
  return new S3Backend({
    name: "test",
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    limits: S3_LIMITS,
    unsignedPayload,
    http: { kind, maxSockets: 2, connectTimeoutMs: 5000, requestTimeoutMs: 5000 },
  });
}

/**
 * Sends `body` as part 1 of an upload through a fresh adapter, its body paced by a slicer:
 * the ETag the server answered and the slice sizes the slicer was told of.
 */
async function sendPacedPart(
  url: string,
  body: Uint8Array,
  unsignedPayload: boolean,
  kind: "node" | "fetch" = "node",
): Promise<{ eTag: string; slices: number[] }> {
  const slices: number[] = [];
  const s3 = backend(url, unsignedPayload, kind);
  try {
    const part = await s3.uploadPart({
      bucket: "b",
      key: "k",
      uploadId: "u",
      partNumber: 1,
      body,
      checksum: { algorithm: "none", value: "" },
      paceBody: slicer({ sent: (n) => slices.push(n) }),
    }, new AbortController().signal);
    return { eTag: part.eTag, slices };
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
  Deno.test(`a paced part arrives whole, ${unsigned ? "unsigned" : "with its SHA-256 signed"}`, async () => {
    await withTestCredentials(() =>
      withServer(async (url, seen) => {
        const body = new Uint8Array(SLICE_BYTES * 5 + 123).map((_, i) => (i * 7) % 256);
        const { eTag, slices } = await sendPacedPart(url, body, unsigned);
        assertEquals(eTag, "abc");
        assertEquals(seen.length, 1);
        assertEquals(seen[0].body, body);
        assertEquals(seen[0].headers.get("content-length"), String(body.length));
        assertEquals(seen[0].headers.get("transfer-encoding"), null);
        assertEquals(
          seen[0].headers.get("x-amz-content-sha256"),
          unsigned ? "UNSIGNED-PAYLOAD" : createHash("sha256").update(body).digest("hex"),
        );
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
      const { slices } = await sendPacedPart(url, body, true, "fetch");
      assertEquals(seen[0].body, body);
      assertEquals(seen[0].headers.get("content-length"), String(body.length));
      assertEquals(slices, [], "not sliced");
    })
  );
});
