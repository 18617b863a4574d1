import { assertEquals, assertMatch } from "../../backends/testing/assert.ts";
import { memoryLogger } from "../log.ts";
import { quietPartLines } from "./upload_extras.ts";

Deno.test("under a live bar, part lines go to -v only; plain logs keep them", () => {
  const normal = memoryLogger("normal");
  quietPartLines(normal, "bar").info("Done uploading 3 - abc. Completed in 1 seconds.");
  quietPartLines(normal, "bar").info("Will upload 5 chunks.");
  assertEquals(normal.lines.length, 1);
  assertMatch(normal.lines[0], /Will upload 5 chunks/);
  const lines = memoryLogger("normal");
  quietPartLines(lines, "lines").info("Done uploading 3 - abc. Completed in 1 seconds.");
  assertEquals(lines.lines.length, 1);
  const verbose = memoryLogger("verbose");
  quietPartLines(verbose, "bar").info("Done uploading 3 - abc. Completed in 1 seconds.");
  assertEquals(verbose.lines.length, 1);
});
