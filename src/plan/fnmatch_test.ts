import { assertEquals, assertOk } from "../../backends/testing/assert.ts";
import { seededRandom } from "../testing/trees.ts";
import { fnmatchRegExp, literalPrefix } from "./fnmatch.ts";

const matches = (pattern: string, path: string) => fnmatchRegExp(pattern).test(path);

Deno.test("fnmatch: * crosses /, ? is one character, sets and negated sets", () => {
  const cases: Array<[string, string, boolean]> = [
    ["*", "", true],
    ["*", "a/b/c.txt", true],
    ["*.txt", "a/b/c.txt", true],
    ["*.txt", "c.txt.bak", false],
    ["a/*", "a/b/c", true],
    ["a/*", "ab/c", false],
    ["?", "é", true],
    ["?", "😀", true],
    ["??", "😀", false],
    ["?", "/", true],
    ["?", "\n", true],
    ["*", "line\nbreak", true],
    ["[abc]", "b", true],
    ["[abc]", "d", false],
    ["[!abc]", "d", true],
    ["[!abc]", "a", false],
    ["[a-c]x", "bx", true],
    ["[]]", "]", true],
    ["[!]]", "]", false],
    ["[!]]", "a", true],
    ["[a-]", "-", true],
    ["[z-a]", "m", false], // a range out of order matches nothing
    ["[z-a]", "z", false],
    ["[!z-a]", "m", true],
    ["[", "[", true], // no closing ]: a plain [
    ["a[b", "a[b", true],
    ["a+b%20(1).txt", "a+b%20(1).txt", true],
    ["a+b", "aab", false], // + is no regex quantifier
    ["a.b", "axb", false],
    ["$^\\", "$^\\", true],
    ["A*", "a", false], // case-sensitive
    ["**", "x/y", true],
  ];
  for (const [pattern, path, expected] of cases) {
    assertEquals(matches(pattern, path), expected, `${pattern} vs ${JSON.stringify(path)}`);
  }
});

Deno.test("literalPrefix stops at the first special character", () => {
  assertEquals(literalPrefix("logs/2024-*.gz"), "logs/2024-");
  assertEquals(literalPrefix("a?b"), "a");
  assertEquals(literalPrefix("[ab]"), "");
  assertEquals(literalPrefix("plain"), "plain");
});

const python = pythonFnmatch();

Deno.test({
  name: "fnmatch agrees with Python's fnmatch.fnmatchcase on 4,000 random patterns",
  ignore: python === undefined,
  async fn() {
    const random = seededRandom(20261207);
    const alphabet = [
      "*",
      "?",
      "[",
      "]",
      "!",
      "-",
      "a",
      "b",
      "z",
      "/",
      ".",
      "^",
      "\\",
      "é",
      "😀",
      "\n",
    ];
    const pick = (length: number) =>
      Array.from(
        { length: Math.floor(random() * length) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join("");
    // Half the paths are made from their pattern (each * and ? filled in), so many match.
    const instantiate = (pattern: string) =>
      [...pattern].map((c) => c === "*" ? pick(4) : c === "?" ? pick(2).slice(0, 1) || "a" : c)
        .join("");
    const pairs = Array.from({ length: 4000 }, (_, i) => {
      const pattern = pick(7);
      return [pattern, i % 2 ? instantiate(pattern) : pick(6)];
    });
    const expected = await python!(pairs);
    const matched = expected.filter(Boolean).length;
    assertOk(matched > 1000 && matched < 3000, `${matched} of 4000 pairs match: too few or many`);
    const differ = pairs.filter(([pattern, path], i) => matches(pattern, path) !== expected[i]);
    assertEquals(differ.slice(0, 5), [], "patterns where fnmatch and Python disagree");
  },
});

/** Runs Python's fnmatchcase (what aws-cli's fnmatch does on POSIX) on pairs, or undefined. */
function pythonFnmatch(): ((pairs: string[][]) => Promise<boolean[]>) | undefined {
  try {
    new Deno.Command("python3", { args: ["-c", "pass"] }).outputSync();
  } catch {
    console.warn("python3 not found: the comparison with Python's fnmatch is skipped");
    return undefined;
  }
  const script = "import fnmatch,json,sys\n" +
    "print(json.dumps([fnmatch.fnmatchcase(s, p) for p, s in json.load(sys.stdin)]))";
  return async (pairs) => {
    const child = new Deno.Command("python3", {
      args: ["-c", script],
      stdin: "piped",
      stdout: "piped",
    })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(pairs)));
    await writer.close();
    const { success, stdout } = await child.output();
    if (!success) throw new Error("python3 fnmatch failed");
    return JSON.parse(new TextDecoder().decode(stdout));
  };
}
