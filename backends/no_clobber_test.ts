import { assertEquals, assertRejects } from "./testing/assert.ts";
import { MemoryBackend } from "./memory/memory_backend.ts";
import { isKeyTaken, withNoClobber } from "./no_clobber.ts";
import { BackendError } from "./errors.ts";

const signal = new AbortController().signal;
const none = { algorithm: "none" as const, value: "" };
const bytes = (text: string) => new TextEncoder().encode(text);

function store() {
  const memory = new MemoryBackend();
  memory.createBucket("b");
  return { memory, guarded: withNoClobber(memory) };
}

Deno.test("a conditional put stores a new key and refuses one that holds an object", async () => {
  const { memory, guarded } = store();
  await guarded.putObject!({ bucket: "b", key: "k", body: bytes("first"), checksum: none }, signal);
  const refused = await assertRejects(
    () =>
      guarded.putObject!({ bucket: "b", key: "k", body: bytes("second"), checksum: none }, signal),
    BackendError,
  );
  assertEquals(isKeyTaken(refused), true);
  assertEquals(memory.getObject("b", "k"), bytes("first"));
});

Deno.test("a conditional Complete refuses a key that holds an object; the upload stays", async () => {
  const { memory, guarded } = store();
  await memory.putObject({ bucket: "b", key: "k", body: bytes("there"), checksum: none }, signal);
  const uploadId = await guarded.createMultipartUpload(
    { bucket: "b", key: "k", checksumAlgorithm: "none" },
    signal,
  );
  const part = await guarded.uploadPart(
    { bucket: "b", key: "k", uploadId, partNumber: 1, body: bytes("new"), checksum: none },
    signal,
  );
  const refused = await assertRejects(() =>
    guarded.completeMultipartUpload(
      { bucket: "b", key: "k", uploadId, parts: [part], checksumAlgorithm: "none" },
      signal,
    ), BackendError);
  assertEquals(isKeyTaken(refused), true);
  assertEquals(memory.getObject("b", "k"), bytes("there"));
  assertEquals((await memory.listMultipartUploads({ bucket: "b" }, signal)).length, 1);
});

Deno.test("isKeyTaken finds the 412 under wrappers and nothing else", () => {
  const taken = new BackendError("invalid_request", "x", {
    code: "PreconditionFailed",
    status: 412,
  });
  assertEquals(isKeyTaken(new Error("wrapped", { cause: taken })), true);
  assertEquals(isKeyTaken(new BackendError("invalid_request", "x", { status: 400 })), false);
  assertEquals(isKeyTaken(new Error("plain")), false);
  assertEquals(isKeyTaken(undefined), false);
});
