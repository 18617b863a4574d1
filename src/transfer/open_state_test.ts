import { assertEquals, assertMatch, assertRejects } from "../../backends/testing/assert.ts";
import { assertStored, makeJob, makeStore, makeWorkspace, MiB } from "../testing/engine_fixture.ts";
import { FaultBackend } from "../../backends/memory/fault_backend.ts";
import { NeedsDecisionError, S3mpuError, UsageError } from "../errors.ts";
import { openChunkDirSource } from "../plan/part_source.ts";
import { runUpload } from "./object_upload.ts";

Deno.test("resume on another endpoint needs a decision; --restart aborts the upload on the recorded store", async () => {
  const ws = await makeWorkspace(11 * MiB);
  const first = makeStore();
  const second = makeStore();
  const crashing = new FaultBackend(first);
  crashing.crashAfter("uploadPart", 1);
  await assertRejects(
    async () =>
      runUpload(await makeJob(ws, crashing, { threads: 1, endpoint: "http://first:9000" })),
    S3mpuError,
  );
  assertEquals(first.openUploads("bkt").length, 1);
  const refused = await assertRejects(
    async () => runUpload(await makeJob(ws, second, { endpoint: "http://second:9000" })),
    NeedsDecisionError,
  );
  assertMatch(
    (refused as Error).message,
    /records upload .* on endpoint http:\/\/first:9000, not http:\/\/second:9000\. Pass --endpoint-url http:\/\/first:9000/,
  );
  assertEquals(second.openUploads("bkt").length, 0, "nothing created on the new store");
  const asked: unknown[] = [];
  await runUpload(
    await makeJob(ws, second, {
      endpoint: "http://second:9000",
      restart: true,
      backendForRecorded: (recorded) => {
        asked.push(recorded.endpoint);
        return Promise.resolve(first);
      },
    }),
  );
  assertEquals(asked, ["http://first:9000"]);
  assertEquals(
    first.openUploads("bkt").length,
    0,
    "the recorded upload was aborted where it lives",
  );
  await assertStored(second, ws.bytes);
  await ws.cleanup();
});

Deno.test("chunk rules: names, minimum size before anything is created, -s, one small chunk", async () => {
  const dir = await Deno.makeTempDir({ prefix: "s3mpu-chunks-" });
  const ws = await makeWorkspace(MiB);
  const write = (name: string, size: number) =>
    Deno.writeFile(`${dir}/${name}`, new Uint8Array(size).fill(name.length));
  await write("c_1", MiB);
  await write("c_2", MiB);
  await write("c_2.tmp", 1);
  await assertRejects(() => openChunkDirSource(dir, "c_"), UsageError, /not chunks.*: c_2\.tmp/);
  await Deno.remove(`${dir}/c_2.tmp`);
  const store = makeStore();
  const small = await openChunkDirSource(dir, "c_");
  await assertRejects(
    async () =>
      runUpload(await makeJob(ws, store, { source: small, requestedPartSize: undefined })),
    UsageError,
    /below the store's minimum part size/,
  );
  assertEquals(store.openUploads("bkt").length, 0, "refused before any upload was created");
  await Deno.remove(`${dir}/c_2`);
  const one = await openChunkDirSource(dir, "c_");
  await assertRejects(
    async () => runUpload(await makeJob(ws, store, { source: one, requestedPartSize: 1 })),
    UsageError,
    /-s 1 does not match the chunks/,
  );
  const result = await runUpload(
    await makeJob(ws, store, { source: one, requestedPartSize: undefined }),
  );
  assertEquals([result.parts, result.size], [1, MiB], "one small chunk is a one-part upload");
  await Deno.remove(dir, { recursive: true });
  await ws.cleanup();
});
