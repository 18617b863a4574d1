/**
 * Each provider preset drives the engine against a memory backend that behaves like that
 * provider: its part limits, its equal-part rule, whether it rejects checksum headers.
 */
import {
  assertEquals,
  assertOk,
  assertRejects,
  assertThrows,
} from "../../backends/testing/assert.ts";
import { makeJob, makeWorkspace, MiB, sha256 } from "../testing/engine_fixture.ts";
import { MemoryBackend } from "../../backends/memory/memory_backend.ts";
import { FaultBackend } from "../../backends/memory/fault_backend.ts";
import { getPreset, PRESETS } from "../../backends/presets.ts";
import { runUpload } from "./object_upload.ts";
import { S3mpuError, UsageError } from "../errors.ts";
import { planParts } from "../plan/part_plan.ts";
import { openChunkDirSource } from "../plan/part_source.ts";
import { readMeta } from "../state/meta_file.ts";

function storeLike(name: string): MemoryBackend {
  const preset = getPreset(name);
  const store = new MemoryBackend({
    limits: preset.limits,
    rejectChecksumHeaders: !preset.checksum.sdkFlexibleChecksums,
    etagIsMd5: preset.etagIsMd5,
  });
  store.createBucket("bkt");
  return store;
}

for (const preset of PRESETS) {
  Deno.test(`the ${preset.name} preset uploads within ${preset.title}'s rules`, async () => {
    const ws = await makeWorkspace(11 * MiB + 5);
    const store = storeLike(preset.name);
    const result = await runUpload(
      await makeJob(ws, store, {
        requestedPartSize: undefined,
        preferredPartSize: preset.recommendedPartSize,
        checksumAlgorithm: preset.checksum.partChecksum,
        etagIsMd5: preset.etagIsMd5,
      }),
    );
    assertEquals(await sha256(store.getObject("bkt", "obj")!), await sha256(ws.bytes));
    assertEquals(result.checksumAlgorithm, preset.checksum.partChecksum);
    await ws.cleanup();
  });
}

Deno.test("a store that rejects checksum headers fails with CRC32 (a permanent 4xx: exit 2) but works with its preset's MD5", async () => {
  const ws = await makeWorkspace(11 * MiB);
  const b2 = storeLike("b2");
  await assertRejects(
    async () =>
      runUpload(
        await makeJob(ws, b2, {
          checksumAlgorithm: "crc32",
          retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        }),
      ),
    UsageError,
  );
  const ws2 = await makeWorkspace(11 * MiB);
  await runUpload(
    await makeJob(ws2, b2, {
      key: "obj",
      checksumAlgorithm: getPreset("b2").checksum.partChecksum,
      etagIsMd5: getPreset("b2").etagIsMd5,
    }),
  );
  assertOk(b2.getObject("bkt", "obj"));
  await ws.cleanup();
  await ws2.cleanup();
});

Deno.test("R2's equal-part rule: unequal chunks are refused before anything is sent", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/chunk_1`, new Uint8Array(6 * MiB));
  await Deno.writeFile(`${dir}/chunk_2`, new Uint8Array(5 * MiB));
  await Deno.writeFile(`${dir}/chunk_3`, new Uint8Array(1));
  await assertRejects(() => openChunkDirSource(dir, "chunk_"), UsageError, /same size/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("R2's equal-part rule: a resume reuses the recorded part size, not a new default", async () => {
  const ws = await makeWorkspace(20 * MiB + 1);
  const r2 = storeLike("r2");
  const faulty = new FaultBackend(r2);
  faulty.crashAfter("uploadPart", 1);
  await assertRejects(
    async () =>
      runUpload(
        await makeJob(ws, faulty, {
          requestedPartSize: 6 * MiB,
          threads: 1,
          checksumAlgorithm: getPreset("r2").checksum.partChecksum,
        }),
      ),
    S3mpuError,
  );
  assertEquals((await readMeta(ws.metaPath))?.splitSize, 6 * MiB);
  const result = await runUpload(await makeJob(ws, r2, { requestedPartSize: undefined }));
  assertEquals([result.partSize, result.parts], [6 * MiB, 4]);
  assertEquals(await sha256(r2.getObject("bkt", "obj")!), await sha256(ws.bytes));
  await ws.cleanup();
});

Deno.test("Scaleway's 1,000 parts: the planner grows the default and refuses a split that can't fit", () => {
  const limits = getPreset("scaleway").limits;
  const fileSize = 20 * 1024 * MiB;
  const plan = planParts({ fileSize, limits });
  assertOk(plan.partCount <= 1000, `${plan.partCount} parts`);
  assertThrows(
    () => planParts({ fileSize, requestedPartSize: 5 * MiB, limits }),
    UsageError,
    /4096 parts; the store allows 1000\. Use -s 21474837 or more/,
  );
});
