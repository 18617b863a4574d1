import { assertEquals } from "./testing/assert.ts";
import { crc32c } from "./checksum.ts";
import { combineCrc, combineCrcs } from "./crc_combine.ts";
import zlib from "node:zlib";

const crc32 = (zlib as unknown as { crc32(data: Uint8Array): number }).crc32;
const CRCS = { crc32: (b: Uint8Array) => crc32(b) >>> 0, crc32c } as const;

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

for (const [name, crc] of Object.entries(CRCS)) {
  const algorithm = name as keyof typeof CRCS;
  Deno.test(`${name}: combining two CRCs equals the CRC of the concatenation`, () => {
    for (const [a, b] of [[0, 0], [1, 0], [0, 1], [7, 13], [1000, 1], [4096, 65537]]) {
      const left = bytes(a, a + 1), right = bytes(b, b + 7);
      const whole = new Uint8Array(a + b);
      whole.set(left);
      whole.set(right, a);
      assertEquals(combineCrc(algorithm, crc(left), crc(right), b), crc(whole), `${a}+${b}`);
    }
  });

  Deno.test(`${name}: combineCrcs over many unequal parts equals the whole CRC`, () => {
    const sizes = [5, 1, 300, 0, 4099, 17];
    const parts = sizes.map((size, i) => bytes(size, i * 31 + 3));
    const whole = new Uint8Array(sizes.reduce((n, s) => n + s, 0));
    let at = 0;
    for (const part of parts) {
      whole.set(part, at);
      at += part.length;
    }
    const combined = combineCrcs(algorithm, parts.map((p) => ({ crc: crc(p), length: p.length })));
    assertEquals(combined, crc(whole));
  });

  Deno.test(`${name}: a flipped bit in any part changes the combined CRC`, () => {
    const parts = [bytes(100, 1), bytes(100, 2)];
    const good = combineCrcs(algorithm, parts.map((p) => ({ crc: crc(p), length: p.length })));
    parts[1][50] ^= 4;
    const bad = combineCrcs(algorithm, parts.map((p) => ({ crc: crc(p), length: p.length })));
    assertEquals(good === bad, false);
  });
}

Deno.test("combineCrc handles a second part longer than 4 GiB (length above 2^32)", () => {
  // The CRC32 of "s3mpu" followed by 2^32 + 5 zero bytes, and of those zero bytes alone,
  // computed once by Python's zlib, independently of this code:
  //   python3 -c 'import zlib; n = 2**32 + 5; z = bytes(1 << 26); w, c = zlib.crc32(b"s3mpu"), 0
  //   while n: k = min(n, len(z)); w = zlib.crc32(z[:k], w); c = zlib.crc32(z[:k], c); n -= k
  //   print(hex(c), hex(w))'
  const zeros = 2 ** 32 + 5;
  const crcOfZeros = 0xb1c2a1a3;
  const crcOfWhole = 0x30afb4ca;
  const head = new TextEncoder().encode("s3mpu");
  assertEquals(combineCrc("crc32", crc32(head) >>> 0, crcOfZeros, zeros), crcOfWhole);
  assertEquals(
    combineCrcs("crc32", [
      { crc: crc32(head) >>> 0, length: head.length },
      { crc: crcOfZeros, length: zeros },
    ]),
    crcOfWhole,
  );
});
