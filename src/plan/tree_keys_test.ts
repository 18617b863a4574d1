import { assertEquals } from "../../backends/testing/assert.ts";
import { seededRandom } from "../testing/trees.ts";
import { directoryPrefix, keyProblem, MAX_KEY_BYTES, treeKey, utf8Length } from "./tree_keys.ts";

Deno.test("treeKey keeps the path byte for byte", () => {
  for (const path of ["a b/c+d%20.txt", "café/naïve", "x/😀", "a\nb"]) {
    assertEquals(treeKey("pre/", path), `pre/${path}`);
  }
  assertEquals(treeKey("", "a/b"), "a/b");
});

Deno.test("directoryPrefix adds the / a destination prefix lacks, as aws-cli's recursive copy", () => {
  assertEquals(directoryPrefix("backups"), "backups/");
  assertEquals(directoryPrefix("backups/"), "backups/");
  assertEquals(directoryPrefix(""), "");
});

Deno.test("utf8Length counts as TextEncoder does, lone surrogates included", () => {
  const random = seededRandom(3);
  const pool = ["a", "é", "中", "😀", "\uD800", "\uDC00", "\uFFFF", "\u07FF", "\u0800"];
  for (let i = 0; i < 2000; i++) {
    const text = Array.from(
      { length: Math.floor(random() * 8) },
      () => pool[Math.floor(random() * pool.length)],
    ).join("");
    assertEquals(utf8Length(text), new TextEncoder().encode(text).length, JSON.stringify(text));
  }
});

Deno.test("keyProblem: 1,024 bytes of UTF-8 is the limit", () => {
  assertEquals(keyProblem("k".repeat(MAX_KEY_BYTES)), undefined);
  assertEquals(keyProblem("é".repeat(512)), undefined);
  assertEquals(
    keyProblem(`${"é".repeat(512)}x`),
    "its key would be 1025 bytes of UTF-8, over S3's limit of 1024; shorten its path or the prefix",
  );
  assertEquals(keyProblem("😀".repeat(257))?.startsWith("its key would be 1028 bytes"), true);
});
