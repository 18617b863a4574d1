/**
 * What identifies a source's bytes (recorded in the meta file as `source`), and what differs
 * between two looks at it. The source owns this record; the state store keeps it.
 *
 * @module
 */

/**
 * Identifies the bytes being uploaded: a file, a directory of pre-split chunks, or a stream
 * (standard input, a FIFO), whose size and time are 0: only its bytes tell it (stream_source.ts).
 */
export interface SourceFingerprint {
  /** "file", "chunks" (the seed's -d/-p mode) or "stream". */
  kind: "file" | "chunks" | "stream";
  path: string;
  size: number;
  mtimeMs: number;
  /** For chunks: how many chunk files. */
  chunkCount?: number;
  /** For a file: its inode, so a file replaced under the same name is noticed. */
  ino?: number;
  /** For a file: its device; compared within one run only (it may change across boots). */
  dev?: number;
  /** For chunks: every chunk file's name, size and modification time, in part order. */
  chunks?: ChunkFingerprint[];
}

/** One chunk file of a chunk directory, as recorded. */
export interface ChunkFingerprint {
  name: string;
  size: number;
  mtimeMs: number;
}

/**
 * What differs between two fingerprints of the same source, in words ("size 10 → 12 bytes",
 * "chunk input_3 renamed or removed"); empty when nothing does. `sameRun` also compares the
 * device, which is stable within one run but may change across reboots.
 */
export function sourceChanges(
  before: SourceFingerprint,
  now: SourceFingerprint,
  opts: { sameRun: boolean },
): string[] {
  const changes: string[] = [];
  if (before.kind !== now.kind) return [`source kind ${before.kind} → ${now.kind}`];
  if (before.size !== now.size) changes.push(`size ${before.size} → ${now.size} bytes`);
  if (before.mtimeMs !== now.mtimeMs) {
    changes.push(`modified ${iso(before.mtimeMs)} → ${iso(now.mtimeMs)}`);
  }
  if (before.chunkCount !== now.chunkCount) {
    changes.push(`chunks ${before.chunkCount} → ${now.chunkCount}`);
  }
  const samePath = before.path === now.path;
  if (before.ino !== undefined && now.ino !== undefined && before.ino !== now.ino && samePath) {
    changes.push(`replaced by another file (inode ${before.ino} → ${now.ino})`);
  }
  if (opts.sameRun && before.dev !== undefined && before.dev !== now.dev) {
    changes.push(`moved to another device`);
  }
  changes.push(...chunkChanges(before, now));
  return changes;
}

function chunkChanges(before: SourceFingerprint, now: SourceFingerprint): string[] {
  if (!before.chunks || !now.chunks) return [];
  const changes: string[] = [];
  const names = new Set(now.chunks.map((c) => c.name));
  before.chunks.forEach((chunk, i) => {
    const current = now.chunks![i];
    if (!current || current.name !== chunk.name) {
      changes.push(
        names.has(chunk.name)
          ? `chunk ${chunk.name} is now part ${
            now.chunks!.findIndex((c) => c.name === chunk.name) + 1
          }, was ${i + 1}`
          : `chunk ${chunk.name} renamed or removed`,
      );
    } else if (current.size !== chunk.size || current.mtimeMs !== chunk.mtimeMs) {
      changes.push(`chunk ${chunk.name} changed`);
    }
  });
  for (const chunk of now.chunks.slice(before.chunks.length)) {
    changes.push(`chunk ${chunk.name} added`);
  }
  return changes.slice(0, 5);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
