import type { Logger } from "../log.ts";
import { ExitCode } from "../errors.ts";

/**
 * SIGINT/SIGTERM/SIGHUP handling for a run: the first signal asks the run to stop cleanly
 * (the returned signal aborts; the state is kept and the lock released, exit 130); a second
 * one exits at once, which is safe because every journaled part is already durable. SIGHUP
 * (a closed terminal or SSH session) is treated like SIGTERM rather than killing the run.
 */
export function onStopSignals(
  logger: Logger,
  opts: { json?: boolean } = {},
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM", "SIGHUP"];
  const handlers = signals.map((name) => {
    const handler = () => {
      if (controller.signal.aborted) {
        const message =
          `Stopped at once; the state files are consistent (a second ${name}). Run the same command to resume.`;
        logger.error(message);
        // --json promises one object on stdout, also when the run ends here.
        if (opts.json) {
          console.log(JSON.stringify({
            error: {
              code: "interrupted",
              message,
              exitCode: ExitCode.interrupted,
              serverCode: null,
            },
          }));
        }
        Deno.exit(ExitCode.interrupted);
      }
      logger.warn(
        `${name} received: stopping; parts in flight may finish, the state is kept. ${name} again stops at once.`,
      );
      controller.abort();
    };
    Deno.addSignalListener(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => handlers.forEach(([name, handler]) => Deno.removeSignalListener(name, handler)),
  };
}
