/**
 * Chunk-signed bodies: the encoded length is known up front, the chunks decode back to the
 * payload however it is sliced (a slice may span several chunks, whose buffers must not be
 * reused before they leave), and each signature chains from the one before, as SigV4 says.
 */
import { createHash, createHmac } from "node:crypto";
import { assertEquals } from "../testing/assert.ts";
import {
  type ChunkSigning,
  SIGNED_CHUNK_BYTES,
  SignedChunkFrame,
  signedChunksLength,
  signingKey,
} from "./signed_chunks.ts";

const signing: ChunkSigning = {
  signingKey: signingKey("secret", "20261127/us-east-1/s3/aws4_request"),
  amzDate: "20261127T180000Z",
  scope: "20261127/us-east-1/s3/aws4_request",
  seedSignature: "a".repeat(64),
};

/** Frames `payload` in `slice`-byte slices; buffers count as sent only after each call. */
function frame(payload: Uint8Array, slice: number): Uint8Array[] {
  const f = new SignedChunkFrame(payload.length, () => signing);
  const sent: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += slice) {
    const pending: Uint8Array[] = [];
    f.data(payload.subarray(at, at + slice), () => {}, (b) => pending.push(b));
    sent.push(...pending.map((b) => b.slice())); // written once the call returns
  }
  sent.push(f.finish());
  return sent;
}

for (const slice of [1000, SIGNED_CHUNK_BYTES, 3 * SIGNED_CHUNK_BYTES + 7]) {
  Deno.test(`signed chunks in ${slice}-byte slices decode to the payload, signatures chained`, () => {
    const payload = new Uint8Array(4 * SIGNED_CHUNK_BYTES + 12_345).map((_, i) => (i * 31) % 251);
    const chunks = frame(payload, slice);
    assertEquals(chunks.reduce((n, c) => n + c.length, 0), signedChunksLength(payload.length));
    let previous = signing.seedSignature;
    let at = 0;
    for (const chunk of chunks) {
      const text = new TextDecoder("latin1").decode(chunk);
      const [, hex, signature] = text.match(/^([0-9a-f]+);chunk-signature=([0-9a-f]{64})\r\n/)!;
      const size = parseInt(hex, 16);
      const start = text.indexOf("\r\n") + 2;
      const data = chunk.subarray(start, start + size);
      assertEquals(data, payload.subarray(at, at + size));
      const toSign = [
        "AWS4-HMAC-SHA256-PAYLOAD",
        signing.amzDate,
        signing.scope,
        previous,
        createHash("sha256").digest("hex"),
        createHash("sha256").update(data).digest("hex"),
      ].join("\n");
      assertEquals(
        signature,
        createHmac("sha256", signing.signingKey).update(toSign).digest("hex"),
      );
      previous = signature;
      at += size;
    }
    assertEquals(at, payload.length);
  });
}
