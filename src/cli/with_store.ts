import { retrying } from "../transport/retrying_backend.ts";
import type { Logger } from "../log.ts";
import type { StoreConfig } from "./backend_config.ts";
import { onStopSignals } from "./stop_signals.ts";

/**
 * The one way a read-only or cleanup command (status, list, verify, abort) talks to a
 * store: `use` gets the resolved store with its backend wrapped in the retry path and a
 * signal that Ctrl-C (SIGINT, SIGTERM, SIGHUP) aborts; the backend is closed afterwards.
 */
export async function withStore<T>(
  store: StoreConfig | Promise<StoreConfig>,
  logger: Logger,
  use: (store: StoreConfig, signal: AbortSignal) => Promise<T>,
  opts: { json?: boolean } = {},
): Promise<T> {
  const resolved = await store;
  const stop = onStopSignals(logger, opts);
  try {
    const backend = retrying(resolved.backend, { policy: resolved.retry, logger });
    return await use({ ...resolved, backend }, stop.signal);
  } finally {
    stop.dispose();
    resolved.backend.close();
  }
}
