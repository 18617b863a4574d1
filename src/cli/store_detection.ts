import { getPreset, presetFromServerHeader } from "../../backends/presets.ts";
import type { Logger } from "../log.ts";
import { readMeta } from "../state/meta_file.ts";
import type { ProviderDetection } from "../state/meta_file.ts";
import type { StoreConfig } from "./backend_config.ts";

/** The store an upload talks to, and how its preset was found when nobody named it. */
export interface UploadStore {
  store: StoreConfig;
  /** Set when the store's own answer chose the preset (recorded in the meta file). */
  detected?: ProviderDetection;
}

/**
 * The preset of an upload to a store given only by address (no `--provider`, a host no
 * preset claims): the one its meta file recorded, so a resume talks to the store as the
 * upload began (a meta file of an older version that recorded `generic` stays generic), or
 * else the one the store names in its `Server` header, asked with one HeadBucket
 * (docs/providers.md, "How the store is recognised"). No request when the preset was named,
 * the host says it, the meta file records one, or the state files cannot be written (the
 * upload then fails on them before any request, as it always did). The old store's backend
 * is closed when another preset replaces it.
 */
export async function storeForUpload(
  store: StoreConfig,
  opts: {
    bucket: string;
    metaPath: string;
    partsPath: string;
    restart: boolean;
    logger: Logger;
    signal: AbortSignal;
  },
): Promise<UploadStore> {
  if (store.presetFrom !== "default") return { store };
  if (!(await canWrite(`${opts.metaPath}.lock`) && await canWrite(opts.partsPath))) {
    return { store };
  }
  const { logger } = opts;
  const recorded = opts.restart ? undefined : await recordedProvider(opts.metaPath);
  if (recorded) {
    logger.verbose(
      `Provider ${recorded}, as recorded in ${opts.metaPath} when the upload began (the store is not asked again).`,
    );
    return { store: replaced(store, recorded) };
  }
  return await detectedStore(store, opts.bucket, logger, opts.signal);
}

/**
 * The store with the preset its own `Server` header names (one HeadBucket), for a command
 * given only an address; the same store when no preset was left to guess or none matches.
 */
export async function detectedStore(
  store: StoreConfig,
  bucket: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<UploadStore> {
  if (store.presetFrom !== "default") return { store };
  const answer = await store.probeServer(bucket, signal);
  const found = presetFromServerHeader(answer.server);
  const heard = answer.server === undefined
    ? answer.status === undefined
      ? `no answer (${answer.error ?? "unknown error"})`
      : `no Server header (HTTP ${answer.status})`
    : `Server: ${answer.server}`;
  const detected: ProviderDetection = { server: answer.server ?? null };
  if (!found) {
    logger.verbose(
      `The store did not name a known implementation (HeadBucket: ${heard}): provider ${store.preset.name}; pass --provider if you know it.`,
    );
    return { store, detected };
  }
  logger.verbose(
    `The store names itself ${found.title} (HeadBucket: ${heard}): provider ${found.name}, not ${store.preset.name}; --provider overrides.`,
  );
  return { store: replaced(store, found.name), detected };
}

/** The store under preset `name`, the old backend closed; the same store when unchanged. */
function replaced(store: StoreConfig, name: string): StoreConfig {
  if (name === store.preset.name) return store;
  const next = store.withPreset(getPreset(name));
  store.backend.close();
  return next;
}

/**
 * Whether `path` can be opened for writing (created, if it does not exist: then removed
 * again). Nothing in an existing file changes.
 */
async function canWrite(path: string): Promise<boolean> {
  const existed = await Deno.lstat(path).then(() => true, () => false);
  try {
    (await Deno.open(path, { write: true, create: !existed, mode: 0o600 })).close();
    if (!existed) await Deno.remove(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The provider an existing meta file records, when it is a known preset. Anything else
 * (no file, not JSON, another upload's) is left to the engine, which reports it.
 */
async function recordedProvider(metaPath: string): Promise<string | undefined> {
  const meta = await readMeta(metaPath).catch(() => undefined);
  if (!meta?.provider) return undefined;
  try {
    return getPreset(meta.provider).name;
  } catch {
    return undefined;
  }
}
