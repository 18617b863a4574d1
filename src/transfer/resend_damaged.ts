import type { SourcePart } from "../plan/part_source.ts";
import { damagedParts } from "./object_proof.ts";
import type { UploadJob } from "./upload_job.ts";
import type { UploadSession } from "./upload_session.ts";

/**
 * Sends again, once, the parts whose ETag shows the store received other bytes (see
 * damagedParts): a part damaged on the way to a store that ignores Content-MD5, caught before
 * Complete. Returns how many were sent again.
 */
export async function resendDamaged(
  job: UploadJob,
  session: UploadSession,
  planned: SourcePart[],
  send: (parts: SourcePart[]) => Promise<void>,
): Promise<number> {
  const damaged = damagedParts(session.checksumAlgorithm, [...session.done.values()]);
  if (damaged.length === 0) return 0;
  job.context.logger.warn(
    `The store's ETag of part ${
      damaged.join(", ")
    } is not the MD5 of the bytes sent, while other parts' are: the bytes changed on the way, and the store did not check their Content-MD5. Sending them again.`,
  );
  for (const partNumber of damaged) session.forget(partNumber);
  await send(planned.filter((p) => damaged.includes(p.partNumber)));
  return damaged.length;
}
