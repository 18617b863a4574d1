import { UsageError } from "../errors.ts";
import { assertEquals, assertThrows } from "../../backends/testing/assert.ts";
import { stateFilesFromFlags as statePaths } from "./state_options.ts";

Deno.test("stateFilesFromFlags follows upload's defaults", () => {
  assertEquals(statePaths({ "file-path": "/d/db.tar" }, "status"), {
    metaPath: "/d/db.tar.s3mpu-meta.json",
    partsPath: "/d/db.tar.s3mpu-parts.jsonl",
  });
  assertEquals(statePaths({ "meta-file-path": "/d/db.tar.s3mpu-meta.json" }, "status"), {
    metaPath: "/d/db.tar.s3mpu-meta.json",
    partsPath: "/d/db.tar.s3mpu-parts.jsonl",
  });
  assertEquals(
    statePaths({ "meta-file-path": "m.json", "parts-file-path": "p.jsonl" }, "abort"),
    { metaPath: "m.json", partsPath: "p.jsonl" },
  );
  assertEquals(statePaths({ "file-path": "x", "parts-file-path": "p.jsonl" }, "abort"), {
    metaPath: "x.s3mpu-meta.json",
    partsPath: "p.jsonl",
  });
});

Deno.test("stateFilesFromFlags asks for what it cannot derive", () => {
  assertThrows(() => statePaths({}, "status"), UsageError, /Missing -m META_FILE/);
  assertThrows(
    () => statePaths({ "meta-file-path": "input_meta.json" }, "status"),
    UsageError,
    /Pass -a PARTS_FILE with -m input_meta\.json/,
  );
});
