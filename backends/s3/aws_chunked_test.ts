/**
 * The aws-chunked framing of a part with a trailing checksum: its length is known before the
 * first byte (Content-Length), it decodes back to the payload however the bytes were sliced,
 * and its trailer carries the checksum of exactly the bytes framed.
 */
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { checksumHasher, computeChecksum } from "../checksum.ts";
import { AwsChunkedFrame, awsChunkedLength, CHUNK_BYTES } from "./aws_chunked.ts";

const NAME = "x-amz-checksum-crc32";

function frame(payload: Uint8Array, sliceBytes: number): Uint8Array {
  const out: Uint8Array[] = [];
  const f = new AwsChunkedFrame(payload.length, NAME, checksumHasher("crc32"));
  for (let at = 0; at < payload.length; at += sliceBytes) {
    const slice = payload.subarray(at, Math.min(payload.length, at + sliceBytes));
    f.data(slice, (piece) => out.push(piece.slice()), (bytes) => out.push(bytes));
  }
  out.push(f.finish());
  const joined = new Uint8Array(out.reduce((n, b) => n + b.length, 0));
  out.reduce((at, b) => (joined.set(b, at), at + b.length), 0);
  return joined;
}

/** Decodes an aws-chunked body: the payload and the trailer line. */
function decode(body: Uint8Array): { payload: Uint8Array; trailer: string } {
  const text = new TextDecoder("latin1").decode(body);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const eol = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, eol), 16);
    at = eol + 2;
    if (size === 0) break;
    chunks.push(body.subarray(at, at + size));
    assertEquals(text.slice(at + size, at + size + 2), "\r\n");
    at += size + 2;
  }
  const payload = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((o, c) => (payload.set(c, o), o + c.length), 0);
  assertEquals(text.slice(text.length - 4), "\r\n\r\n");
  return { payload, trailer: text.slice(at, text.length - 4) };
}

for (const size of [1, 1000, CHUNK_BYTES - 1, CHUNK_BYTES, 2 * CHUNK_BYTES + 12_345]) {
  for (const sliceBytes of [64 * 1024, 1000, CHUNK_BYTES]) {
    Deno.test(`aws-chunked: ${size} bytes in ${sliceBytes}-byte slices round-trips`, () => {
      const payload = new Uint8Array(size).map((_, i) => (i * 7 + 3) % 256);
      const body = frame(payload, sliceBytes);
      assertEquals(body.length, awsChunkedLength(size, NAME, 8));
      const { payload: back, trailer } = decode(body);
      assertEquals(back, payload);
      assertEquals(trailer, `${NAME}:${computeChecksum("crc32", payload)}`);
    });
  }
}

Deno.test("aws-chunked: a source yielding more or fewer bytes than its size is an error", () => {
  const f = new AwsChunkedFrame(10, NAME, checksumHasher("crc32"));
  f.data(new Uint8Array(6), () => {}, () => {});
  assertThrows(() => f.finish(), Error, /ended before its size/);
  assertThrows(() => f.data(new Uint8Array(5), () => {}, () => {}), Error, /more bytes/);
});
