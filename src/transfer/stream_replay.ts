/**
 * A stream's parts in order, as the part workers pull them: each read from the stream, and
 * on a resume first checked against the journal. A journaled part whose bytes sum to its
 * journaled checksum (and that the server still has) counts without being sent; one whose
 * bytes differ means another stream, and nothing is sent or completed. Parts within the
 * journaled run that must be sent (the server lacks them, or the journal has a hole where a
 * killed run's part was in flight) wait until the whole journaled run is checked, so a
 * different stream never overwrites a part before it is recognised as different.
 *
 * @module
 */
import type { UploadedPart } from "../../backends/types.ts";
import { checksumHasher } from "../../backends/checksum.ts";
import { InterruptedError, NeedsDecisionError, RESTART, say, UsageError } from "../errors.ts";
import type { SourcePart } from "../plan/part_source.ts";
import { streamPartSize, type StreamPlan } from "../plan/stream_plan.ts";
import type { StreamSource } from "../plan/stream_source.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { UploadJob } from "./upload_job.ts";
import type { UploadSession } from "./upload_session.ts";

/** What the replay found once the stream ended: every part, in order. */
export interface StreamEnd {
  parts: SourcePart[];
  size: number;
  /** Parts an earlier run stored, checked and kept (not sent by this run). */
  kept: number;
}

/** What a replay reads against. */
export interface ReplayInput {
  job: UploadJob;
  source: StreamSource;
  plan: StreamPlan;
  session: UploadSession;
  /** The journal's parts of this upload (empty for a new one). */
  journaled: ReadonlyMap<number, JournalEntry>;
  /** The server's parts; undefined when the upload is gone (nothing may be sent then). */
  server: ReadonlyMap<number, UploadedPart> | undefined;
}

/**
 * The parts to send, read from the stream as the workers ask; `end()` resolves once the
 * stream has ended and every part is known (undefined if a stop ended the reading).
 */
export function replayStream(input: ReplayInput): {
  parts: AsyncGenerator<SourcePart>;
  end(): StreamEnd | undefined;
} {
  let ended: StreamEnd | undefined;
  const parts = readParts(input, (end) => ended = end);
  return { parts, end: () => ended };
}

async function* readParts(
  input: ReplayInput,
  onEnd: (end: StreamEnd) => void,
): AsyncGenerator<SourcePart> {
  const { job, source, plan, session, journaled, server } = input;
  const { limits } = job.context.backend;
  const lastJournaled = Math.max(0, ...journaled.keys());
  const all: SourcePart[] = [];
  let deferred: SourcePart[] = [];
  let resent = 0;
  let kept = 0;
  let offset = 0;
  for (let partNumber = 1;; partNumber++) {
    const want = streamPartSize(plan, partNumber);
    let bytes: Uint8Array;
    try {
      bytes = await source.readPart(partNumber, want, job.context.stopSignal);
    } catch (error) {
      // A stop ends the reading; the parts in flight finish within the grace period.
      if (error instanceof InterruptedError) return;
      throw error;
    }
    const part: SourcePart = { partNumber, offset, size: bytes.length };
    // An empty stream is one empty part; any other stream ends with its last non-empty one.
    if (bytes.length === 0 && partNumber > 1) {
      source.partDone?.(part);
      break;
    }
    if (partNumber > limits.maxParts || offset + bytes.length > limits.maxObjectSize) {
      throw tooLarge(offset + bytes.length, limits.maxParts);
    }
    offset += bytes.length;
    all.push(part);
    const recorded = journaled.get(partNumber);
    if (recorded) {
      if (bytes.length < want && bytes.length < (recorded.size ?? want)) {
        throw endedEarly(offset, lastJournaled);
      }
      if (!sameBytes(recorded, bytes, session)) throw notTheStream(partNumber, part);
    }
    // A gone upload may have been completed by the interrupted run: its parts are checked
    // all the same, and the object proved from them afterwards.
    if (recorded && (!server || server.get(partNumber)?.eTag === recorded.eTag)) {
      session.count({ ...recorded, offset: part.offset });
      source.partDone?.(part);
      kept++;
    } else if (!server) {
      throw gone();
    } else if (partNumber <= lastJournaled) {
      if (recorded) resent++;
      deferred.push(part); // sent once the journaled run is checked
    } else {
      if (deferred.length > 0) yield* flush();
      yield part;
    }
    if (bytes.length < want) break; // the stream ended inside this part
  }
  if (lastJournaled > all.length) throw endedEarly(offset, lastJournaled);
  if (deferred.length > 0) yield* flush();
  onEnd({ parts: all, size: offset, kept });

  function* flush(): Generator<SourcePart> {
    if (resent > 0) {
      job.context.logger.warn(
        `The parts file lists ${resent} part(s) the server does not have; sending them again from the stream.`,
      );
    }
    const parts = deferred;
    deferred = [];
    yield* parts;
  }
}

/** Whether the bytes read sum to the journaled part's checksum (the upload's algorithm). */
function sameBytes(recorded: JournalEntry, bytes: Uint8Array, session: UploadSession): boolean {
  if (recorded.size !== undefined && recorded.size !== bytes.length) return false;
  if (!recorded.checksum) return false;
  const sum = checksumHasher(session.checksumAlgorithm);
  sum.update(bytes);
  return sum.value() === recorded.checksum;
}

function notTheStream(partNumber: number, part: SourcePart): NeedsDecisionError {
  return new NeedsDecisionError(
    say`Part ${partNumber} of the stream (bytes ${part.offset} to ${
      part.offset + part.size
    }) is not the part the interrupted run stored: the stream is not the one that was interrupted. Nothing was completed; feed the same stream to resume, or run again with ${RESTART} to upload this stream.`,
    { code: "stream_differs" },
  );
}

function endedEarly(size: number, lastJournaled: number): NeedsDecisionError {
  return new NeedsDecisionError(
    say`The stream ended after ${size} bytes, before the end of the ${lastJournaled} part(s) the interrupted run stored: it is not the stream that was interrupted. Nothing was completed; feed the same stream to resume, or run again with ${RESTART} to upload this stream.`,
    { code: "stream_ended_early" },
  );
}

function tooLarge(size: number, maxParts: number): UsageError {
  return new UsageError(
    say`The stream is larger than this upload's ${maxParts} parts can hold (over ${size} bytes read; see docs/pipes.md); nothing was completed. Run again with --expected-size SIZE (at least the stream's size) and ${RESTART}.`,
    { code: "stream_too_large" },
  );
}

function gone(): NeedsDecisionError {
  return new NeedsDecisionError(
    say`The multipart upload this stream resumes no longer exists on the server (aborted, or purged as unfinished), and the stream goes on past the parts it stored. Run again with ${RESTART} to upload the stream from the start.`,
  );
}
