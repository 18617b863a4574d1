import type { Logger } from "../log.ts";
import { ExitCode } from "../errors.ts";

/**
 * SIGINT/SIGTERM handling for a run: the first signal asks the run to stop cleanly (the
 * returned signal aborts); a second one exits at once, which is safe because every
 * journaled part is already durable.
 */
export function onStopSignals(logger: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handler = () => {
    if (controller.signal.aborted) {
      logger.error(
        "Stopped at once; the state files are consistent. Run the same command to resume.",
      );
      Deno.exit(ExitCode.interrupted);
    }
    controller.abort();
  };
  for (const name of signals) Deno.addSignalListener(name, handler);
  return {
    signal: controller.signal,
    dispose: () => signals.forEach((name) => Deno.removeSignalListener(name, handler)),
  };
}
