/**
 * The transfer events of an upload, as the CLI shows them: the progress display, and the
 * seed's "Done uploading N" line per part (a log line; under a live bar it goes to -v only,
 * as the bar already shows each part).
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { TransferEvents } from "../transfer/events.ts";
import type { Progress, ProgressMode } from "./progress.ts";

/**
 * The events that drive `progress` and the part lines. `countBytes`: show bytes as they
 * leave, which has the parts fed in slices (nothing to count without a display).
 */
export function uploadEvents(
  progress: Progress,
  logger: Logger,
  opts: { mode: ProgressMode; countBytes: boolean },
): TransferEvents {
  const partLine = opts.mode === "bar" ? logger.verbose : logger.info;
  return {
    objectStarted: (totals) => progress.start(totals),
    partDone: (part) => {
      progress.partDone(part.size);
      partLine(
        `Done uploading ${part.partNumber} - ${part.label}. Completed in ${
          Math.round(part.seconds)
        } seconds.`,
      );
    },
    partLost: (bytes) => progress.partLost(bytes),
    objectSent: () => progress.finish(),
    ...(opts.countBytes
      ? {
        bytesSent: (bytes: number) => progress.bytesSent(bytes),
        requestEnded: (sent: number, landed: number) => progress.requestEnded(sent, landed),
      }
      : {}),
  };
}
