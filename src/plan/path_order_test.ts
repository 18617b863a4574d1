import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import { seededRandom } from "../testing/trees.ts";
import { compareNames, comparePaths, isInside } from "./path_order.ts";

const sign = (n: number) => Math.sign(n);

Deno.test("comparePaths is depth-first order: a directory's paths come before its next sibling", () => {
  // As strings "a-b" < "a/b" ('-' is 0x2D, '/' 0x2F); depth first, a/b comes first.
  assertOk("a-b" < "a/b");
  assertEquals(sign(comparePaths("a/b", "a-b")), -1);
  const walkOrder = ["a", "a/b", "a/b/c", "a/bc", "a-b", "a0", "ab", "b"];
  assertEquals([...walkOrder].reverse().sort(comparePaths), walkOrder);
  assertEquals(comparePaths("x/y", "x/y"), 0);
});

Deno.test("compareNames is UTF-8 byte order (code points), not UTF-16 order", () => {
  // U+FFFF is one UTF-16 unit above the surrogates of U+1F600, but below it as a code point.
  assertOk("😀" < "\uFFFF");
  assertEquals(sign(compareNames("\uFFFF", "😀")), -1);
  const random = seededRandom(99);
  const pool = ["a", "B", "/", "-", "é", "\uE000", "\uFFFF", "😀", "𝄞", "中", " ", "~"];
  const name = () =>
    Array.from({ length: Math.floor(random() * 4) }, () => pool[Math.floor(random() * pool.length)])
      .join("");
  const encoder = new TextEncoder();
  for (let i = 0; i < 3000; i++) {
    const [a, b] = [name().replaceAll("/", ""), name().replaceAll("/", "")];
    assertEquals(
      sign(compareNames(a, b)),
      sign(compareBytes(encoder.encode(a), encoder.encode(b))),
      `${a} vs ${b}`,
    );
  }
});

Deno.test("comparePaths is component by component (random paths)", () => {
  const random = seededRandom(5);
  const pool = ["a", "a-b", "a b", "b", "😀", "\uFFFF", "é"];
  const path = () =>
    Array.from(
      { length: 1 + Math.floor(random() * 3) },
      () => pool[Math.floor(random() * pool.length)],
    ).join("/");
  for (let i = 0; i < 3000; i++) {
    const [a, b] = [path(), path()];
    const [x, y] = [a.split("/"), b.split("/")];
    let expected = 0;
    for (let k = 0; k < Math.min(x.length, y.length) && expected === 0; k++) {
      expected = sign(compareNames(x[k], y[k]));
    }
    if (expected === 0) expected = sign(x.length - y.length);
    assertEquals(sign(comparePaths(a, b)), expected, `${a} vs ${b}`);
  }
});

Deno.test("isInside", () => {
  assertOk(isInside("a/b", "a"));
  assertOk(isInside("a", ""));
  assertOk(!isInside("a", "a"));
  assertOk(!isInside("ab/c", "a"));
  assertOk(!isInside("", ""));
});

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
