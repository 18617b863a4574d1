import { conformanceSuite } from "./conformance.ts";
import { MemoryBackend } from "./memory/memory_backend.ts";

conformanceSuite(
  "memory",
  () => {
    const backend = new MemoryBackend();
    backend.createBucket("conformance");
    return Promise.resolve({ backend, bucket: "conformance", cleanup: () => Promise.resolve() });
  },
  { manyParts: true, checksums: true },
);

conformanceSuite(
  "memory (opaque ETags, latency)",
  () => {
    const backend = new MemoryBackend({ etagIsMd5: false, latencyMs: 1 });
    backend.createBucket("conformance");
    return Promise.resolve({ backend, bucket: "conformance", cleanup: () => Promise.resolve() });
  },
  { etagIsMd5: false },
);
