import { assertEquals, assertMatch } from "../../backends/testing/assert.ts";
import { memoryLogger } from "../log.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import { uploadEvents } from "./upload_events.ts";

function partLines(mode: ProgressMode, level: "normal" | "verbose") {
  const logger = memoryLogger(level);
  const progress = createProgress({ mode: "off" });
  const events = uploadEvents(progress, logger, { mode, countBytes: false });
  events.partDone!({ partNumber: 3, size: 10, label: "abc", seconds: 1.4 });
  return logger.lines;
}

Deno.test("each part is the seed's line; under a live bar it goes to -v only", () => {
  assertEquals(partLines("bar", "normal"), []);
  const [line] = partLines("lines", "normal");
  assertMatch(line, /INFO\] Done uploading 3 - abc\. Completed in 1 seconds\.$/);
  assertEquals(partLines("off", "normal").length, 1);
  assertEquals(partLines("bar", "verbose").length, 1);
});

Deno.test("bytes are counted only when asked (they need the parts fed in slices)", () => {
  const progress = createProgress({ mode: "off" });
  const logger = memoryLogger();
  assertEquals(
    uploadEvents(progress, logger, { mode: "bar", countBytes: false }).bytesSent,
    undefined,
  );
  const counted = uploadEvents(progress, logger, { mode: "bar", countBytes: true });
  assertEquals(typeof counted.bytesSent, "function");
});
