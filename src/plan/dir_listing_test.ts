import { assertEquals } from "../../backends/testing/assert.ts";
import { link, makeTree } from "../testing/trees.ts";
import { EntryKind, lowerBound, readListing, sortListing } from "./dir_listing.ts";

Deno.test("readListing and sortListing: names sorted by code point, each with its kind", async () => {
  await using tree = await makeTree({
    "b": "x",
    "😀": "x",
    "\uFFFF/": null,
    "a-b": link("b"),
    "a/": null,
  });
  const listing = sortListing(await readListing(tree.root));
  assertEquals(listing.names, ["a", "a-b", "b", "\uFFFF", "😀"]);
  assertEquals([...listing.kinds], [
    EntryKind.directory,
    EntryKind.symlink,
    EntryKind.file,
    EntryKind.directory,
    EntryKind.file,
  ]);
});

Deno.test("lowerBound finds the first name not before the one sought", () => {
  const names = ["a", "c", "c", "e"];
  assertEquals([
    lowerBound(names, ""),
    lowerBound(names, "c"),
    lowerBound(names, "d"),
    lowerBound(names, "z"),
  ], [
    0,
    1,
    3,
    4,
  ]);
});
