import { assertEquals, assertOk, assertThrows } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { collect, filePaths, makeTree, seededRandom } from "../testing/trees.ts";
import { checkFilters, compileFilters, type FilterRule } from "./tree_filters.ts";
import { walkTree } from "./tree_walk.ts";

const exclude = (pattern: string): FilterRule => ({ kind: "exclude", pattern });
const include = (pattern: string): FilterRule => ({ kind: "include", pattern });

// The tree of aws-cli's documented examples ("Use of Exclude and Include Filters").
const awsExample = {
  ".git/config": "c",
  ".git/description": "d",
  "foo.txt": "f",
  "bar.txt": "b",
  "baz.jpg": "z",
};

Deno.test("filters: aws-cli's documented examples, on a real tree", async () => {
  await using tree = await makeTree(awsExample);
  const walk = async (...rules: FilterRule[]) =>
    filePaths(await collect(walkTree({ root: tree.root, filter: compileFilters(rules) })));
  assertEquals(await walk(), [".git/config", ".git/description", "bar.txt", "baz.jpg", "foo.txt"]);
  assertEquals(await walk(exclude(".git/*")), ["bar.txt", "baz.jpg", "foo.txt"]);
  assertEquals(await walk(exclude("ba*")), [".git/config", ".git/description", "foo.txt"]);
  assertEquals(await walk(exclude("*"), include("*.txt")), ["bar.txt", "foo.txt"]);
  assertEquals(await walk(include("*.txt"), exclude("*")), []);
  assertEquals(await walk(exclude("*"), include("*.jpg")), ["baz.jpg"]);
  assertEquals(await walk(exclude("*"), include("*.jpg"), include("*.txt")), [
    "bar.txt",
    "baz.jpg",
    "foo.txt",
  ]);
  // Only an --include changes nothing: every file starts included.
  assertEquals(await walk(include("*.jpg")), await walk());
});

Deno.test("filters: * crosses directories, a pattern is matched against the whole relative path", async () => {
  await using tree = await makeTree({
    "a/b/c.log": "1",
    "a/keep.txt": "2",
    "tmp/x/y": "3",
    "tmpfile": "4",
    "dir": null,
  });
  const walk = async (...rules: FilterRule[]) =>
    filePaths(await collect(walkTree({ root: tree.root, filter: compileFilters(rules) })));
  assertEquals(await walk(exclude("*.log")), ["a/keep.txt", "tmp/x/y", "tmpfile"]);
  assertEquals(await walk(exclude("tmp/*")), ["a/b/c.log", "a/keep.txt", "tmpfile"]);
  // A pattern naming a directory matches no file: its files need "dir/*".
  assertEquals(await walk(exclude("a")), await walk());
  assertEquals(await walk(exclude("c.log")), await walk()); // not anchored at the end, as fnmatch
  assertEquals(await walk(exclude("*"), include("a/*"), exclude("*.log")), ["a/keep.txt"]);
});

Deno.test("checkFilters refuses filters that surely exclude everything, naming the fix", () => {
  const refused = (rules: FilterRule[]) => assertThrows(() => checkFilters(rules), UsageError);
  const afterIncludes = refused([include("*.txt"), exclude("*")]);
  assertEquals(
    afterIncludes.message,
    `--exclude "*" comes after every --include, so it leaves nothing to upload; put the --include filters after it (later filters win).`,
  );
  assertEquals((afterIncludes as UsageError).exitCode, 2);
  assertOk(refused([exclude("*")]).message.includes("add --include GLOB after it"));
  refused([exclude("**"), exclude("*.txt")]);
  refused([exclude("*"), include("*.txt"), exclude("*")]);
  // Accepted: an include after the exclude, or excludes that leave something.
  checkFilters([exclude("*"), include("*.txt")]);
  checkFilters([exclude("*.txt"), exclude("a/*")]);
  checkFilters([exclude("?*")]); // cannot be sure (though only the empty path escapes it)
  checkFilters([]);
});

Deno.test("prunes: a directory is left unread only when no file in it can be included", () => {
  const cases: Array<[FilterRule[], string, boolean]> = [
    [[exclude(".git/*")], ".git", true],
    [[exclude(".git/*")], "a/.git", false],
    [[exclude("*/node_modules/*")], "a/node_modules", true],
    [[exclude("*/node_modules/*")], "node_modules", false], // "*/" needs a parent
    [[exclude("*")], "any", true],
    [[exclude("*"), include("*.txt")], "any", false],
    [[exclude("*"), include("src/*")], "docs", true],
    [[exclude("*"), include("src/*")], "src", false],
    [[exclude("*"), include("src/*")], "sr", true], // paths in "sr" never begin with "src/"
    [[exclude("*"), include("s*")], "src", false],
    [[exclude("tmp/*"), include("tmp/keep")], "tmp", false],
    [[exclude("tmp/*"), include("tmp/keep"), exclude("tmp/*")], "tmp", true],
    [[exclude("*.log")], "logs", false],
    [[], "a", false],
  ];
  for (const [rules, dir, expected] of cases) {
    assertEquals(compileFilters(rules).prunes(dir), expected, `${JSON.stringify(rules)} ${dir}`);
  }
});

Deno.test("prunes is sound: a pruned directory holds no includable path (random filters)", () => {
  const random = seededRandom(7);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const parts = ["a", "b", "ab", "*", "?", "[ab]", "/", ".txt", "x"];
  const names = ["a", "b", "ab", "x.txt", "b.txt"];
  let pruned = 0;
  for (let round = 0; round < 3000; round++) {
    const rules = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      kind: random() < 0.5 ? "exclude" as const : "include" as const,
      pattern: Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(parts)).join(""),
    }));
    const filter = compileFilters(rules);
    const dir = Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(names)).join("/");
    if (!filter.prunes(dir)) continue;
    pruned++;
    for (let k = 0; k < 30; k++) {
      const inside = `${dir}/${
        Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(names)).join("/")
      }`;
      assertEquals(
        filter.includes(inside),
        false,
        `${JSON.stringify(rules)} pruned ${dir} but includes ${inside}`,
      );
    }
  }
  assertOk(pruned > 100, `only ${pruned} rounds pruned: the check tested little`);
});
