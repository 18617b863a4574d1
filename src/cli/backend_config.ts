import type { ServerAnswer } from "../../backends/s3/server_probe.ts";
import type { Backend, BackendLimits } from "../../backends/types.ts";
import { detectPreset, getPreset, type ProviderPreset } from "../../backends/presets.ts";
import { UsageError } from "../errors.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "../transport/retry.ts";
import { Pacer } from "../transport/pacer.ts";
import type { Logger } from "../log.ts";
import { type Flags, str } from "./parse.ts";
import { type DurationBounds, parseDuration, parseIntIn } from "./values.ts";
import type { RecordedStore } from "../transfer/upload_job.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import { type ProfileSettings, readProfileSettings } from "./aws_config.ts";
import { existsSync } from "./exists_sync.ts";

/** --retries: tries per request, first one included. */
export const RETRIES_RANGE = { min: 1, max: 100 } as const;
/**
 * --request-timeout: at least 1 s (0 would turn stall detection off and let an upload hang),
 * at most 1 h.
 */
export const REQUEST_TIMEOUT_RANGE: DurationBounds = { minMs: 1_000, maxMs: 3_600_000 };

/** s3.addressing_style from the shared config: path or virtual, or undefined for auto. */
function pathStyleFromConfig(profile: ProfileSettings): boolean | undefined {
  if (profile.addressingStyle === "path") return true;
  if (profile.addressingStyle === "virtual") return false;
  return undefined;
}

/** The store a command talks to, resolved from flags, environment and the preset. */
export interface StoreConfig {
  preset: ProviderPreset;
  /**
   * How the preset was chosen: `--provider` (or S3MPU_PROVIDER), the endpoint's host, or
   * neither ("default": generic for a store by address, which store_detection.ts may refine).
   */
  presetFrom: "flag" | "host" | "default";
  endpoint?: string;
  region?: string;
  retry: RetryPolicy;
  /** The store's one pacer: a throttle of any call holds back every call's next attempt. */
  pacer: Pacer;
  backend: Backend;
  /** The same store under another preset: a new backend (the caller closes this one's). */
  withPreset(preset: ProviderPreset): StoreConfig;
  /** One HeadBucket of `bucket`: the store's `Server` header (see server_probe.ts). */
  probeServer(bucket: string, signal: AbortSignal): Promise<ServerAnswer>;
}

/**
 * Resolves endpoint, region, provider and transport for a command. Validation errors are
 * UsageErrors; nothing touches the network here.
 */
export async function resolveStore(
  flags: Flags,
  opts: { parallelism: number; logger: Logger; env?: (name: string) => string | undefined },
): Promise<StoreConfig> {
  const rawEnv = opts.env ?? ((name: string) => Deno.env.get(name));
  // An empty variable counts as unset, so the shared config's value still applies.
  const env = (name: string) => rawEnv(name) || undefined;
  // --profile / AWS_PROFILE: the shared config's endpoint_url, addressing style, CA bundle.
  const profile = await readProfileSettings(str(flags, "profile"), env);
  const endpoint = normaliseEndpoint(
    str(flags, "endpoint-url") ?? env("AWS_ENDPOINT_URL_S3") ?? env("AWS_ENDPOINT_URL") ??
      profile.endpointUrl,
  );
  const named = str(flags, "provider") ?? env("S3MPU_PROVIDER");
  const preset = choosePreset(named, endpoint);
  const presetFrom = named ? "flag" : !endpoint || detectPreset(endpoint) ? "host" : "default";
  if (preset.endpoint.required && !endpoint) {
    throw new UsageError(
      `${presetPhrase(preset)} needs an endpoint${
        preset.endpoint.template ? ` like ${preset.endpoint.template}` : ""
      }; pass --endpoint-url.`,
    );
  }
  const region = str(flags, "region") ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ??
    profile.region ?? (endpoint || !hasSharedConfig(env) ? preset.region.default : undefined);
  const retries = str(flags, "retries");
  const timeout = str(flags, "request-timeout");
  const retry: RetryPolicy = {
    ...DEFAULT_RETRY,
    ...(retries !== undefined
      ? { maxAttempts: parseIntIn("--retries", retries, RETRIES_RANGE.min, RETRIES_RANGE.max) }
      : {}),
  };
  // With a profile named, the SDK skips AWS_ACCESS_KEY_ID/SECRET: the profile must exist.
  checkProfile(str(flags, "profile") ?? env("AWS_PROFILE"), env);
  const caFile = str(flags, "ca-bundle") ?? env("AWS_CA_BUNDLE") ?? profile.caBundle;
  const caCerts = caFile ? [await readCaBundle(caFile)] : undefined;
  // The AWS SDK is most of the program's memory and start-up: loaded only once a command
  // talks to a store, so --help, completions and bad input never pay for it.
  const { S3Backend } = await import("../../backends/s3/s3_backend.ts");
  const requestTimeoutMs = timeout !== undefined
    ? parseDuration("--request-timeout", timeout, REQUEST_TIMEOUT_RANGE)
    : 60_000;
  // One pacer per store, kept when the preset changes: a throttle slows every call to it.
  const pacer = new Pacer();
  const build = (preset: ProviderPreset): StoreConfig => {
    opts.logger.verbose(
      `Provider ${preset.name} (${preset.title}); endpoint ${endpoint ?? "AWS default"}; region ${
        region ?? "from the AWS profile"
      }; parts ${preset.limits.minPartSize}–${preset.limits.maxPartSize} bytes, at most ${preset.limits.maxParts}; checksum ${preset.checksum.partChecksum}.`,
    );
    const backend = new S3Backend({
      name: `s3 (${preset.name})`,
      endpoint,
      region,
      forcePathStyle: pathStyleFromConfig(profile) ??
        (preset.forcePathStyle || (endpoint !== undefined && isIpOrLocal(endpoint))),
      ...(profile.profile ? { profile: profile.profile } : {}),
      limits: testLimits(preset.limits, env),
      // Test only: S3MPU_TEST_SIGN_PAYLOAD=1 signs part bodies on loopback as on a remote host.
      unsignedPayload: transportProtectsBody(endpoint) && env("S3MPU_TEST_SIGN_PAYLOAD") !== "1",
      trailingChecksums: preset.checksum.trailingChecksum ?? false,
      partsInFlight: opts.parallelism,
      uploadListingByPrefix: preset.uploadListingByPrefix,
      logger: opts.logger,
      http: {
        kind: env("S3MPU_HTTP_HANDLER") === "fetch" ? "fetch" : "node",
        maxSockets: opts.parallelism + 2,
        connectTimeoutMs: 10_000,
        requestTimeoutMs,
        caCerts,
      },
    });
    return {
      preset,
      presetFrom,
      endpoint,
      region,
      retry,
      pacer,
      backend,
      withPreset: build,
      probeServer: (bucket, signal) => backend.probeServer(bucket, signal),
    };
  };
  return build(preset);
}

function choosePreset(name: string | undefined, endpoint: string | undefined): ProviderPreset {
  if (name) {
    try {
      return getPreset(name);
    } catch (error) {
      throw new UsageError(`${(error as Error).message.replace(/\.$/, "")}; check --provider.`);
    }
  }
  if (!endpoint) return getPreset("aws");
  return detectPreset(endpoint) ?? getPreset("generic");
}

/**
 * A preset as a sentence names it: the option value a user types, then its title, e.g.
 * "--provider generic (Other S3-compatible store)". Titles are names, not phrases, so they
 * never stand alone in a sentence.
 */
export function presetPhrase(preset: ProviderPreset): string {
  return `--provider ${preset.name} (${preset.title})`;
}

/**
 * Checks and normalises an endpoint URL. A scheme is required: guessing https for
 * "127.0.0.1:9000" would fail later with a TLS or protocol error that looks like a network
 * problem.
 */
export function normaliseEndpoint(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const trimmed = text.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new UsageError(
      `The endpoint "${text}" has no scheme; pass it as http://${trimmed} (plain HTTP, e.g. a local MinIO) or https://${trimmed}.`,
    );
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new UsageError(
      `The endpoint "${text}" is not a URL; pass one like http://127.0.0.1:9000.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`The endpoint "${text}" must start with http:// or https://.`);
  }
  if (url.username || url.password) {
    throw new UsageError(
      `The endpoint "${text}" holds a user name or password; pass only the URL, and the keys through AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile.`,
    );
  }
  if (url.search || url.hash) {
    throw new UsageError(
      `The endpoint "${text}" has a query or fragment; pass only scheme, host, port (and a path if the store needs one).`,
    );
  }
  if (url.hostname === "") {
    throw new UsageError(
      `The endpoint "${text}" has no host; pass one like http://127.0.0.1:9000.`,
    );
  }
  return url.origin + url.pathname.replace(/\/$/, "");
}

/**
 * A profile named by AWS_PROFILE (or --profile) must exist in the shared config or
 * credentials file; otherwise the SDK only says "Could not load credentials from any
 * providers", which names neither the profile nor the fix.
 */
export function checkProfile(
  profile: string | undefined,
  env: (name: string) => string | undefined,
): void {
  if (profile === undefined || profile === "") return;
  const home = env("HOME") ?? env("USERPROFILE") ?? "";
  const config = env("AWS_CONFIG_FILE") ?? `${home}/.aws/config`;
  const credentials = env("AWS_SHARED_CREDENTIALS_FILE") ?? `${home}/.aws/credentials`;
  const sections = new Set<string>();
  for (const [path, isConfig] of [[config, true], [credentials, false]] as const) {
    let text = "";
    try {
      text = Deno.readTextFileSync(path);
    } catch {
      continue;
    }
    for (const match of text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)) {
      const name = match[1];
      if (isConfig) {
        if (name === "default") sections.add("default");
        const profileMatch = /^profile\s+(.+)$/.exec(name);
        if (profileMatch) sections.add(profileMatch[1].trim());
      } else sections.add(name);
    }
  }
  if (!sections.has(profile)) {
    throw new UsageError(
      `The AWS profile "${profile}" is not defined in ${config} or ${credentials}; check AWS_PROFILE (or --profile), or unset it to use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
    );
  }
}

/**
 * Resolves the store for an upload recorded in `meta`: the command's flags first, then what
 * the meta file recorded (endpoint, provider, region), then the environment. The meta file
 * wins over the environment because it says where this upload actually lives.
 */
export function storeForMeta(flags: Flags, meta: UploadMeta, logger: Logger): Promise<StoreConfig> {
  const merged: Flags = { ...flags };
  if (merged["endpoint-url"] === undefined && meta.endpoint) merged["endpoint-url"] = meta.endpoint;
  if (merged.region === undefined && meta.region) merged.region = meta.region;
  if (merged.provider === undefined && meta.provider) merged.provider = meta.provider;
  return resolveStore(merged, { parallelism: 4, logger });
}

/**
 * The store a meta file records, for aborting an upload where it lives (upload --restart
 * against another store): the recorded endpoint, region and provider replace the command's.
 */
export function resolveRecordedStore(
  flags: Flags,
  recorded: RecordedStore,
  opts: { parallelism: number; logger: Logger },
): Promise<StoreConfig> {
  const merged: Flags = { ...flags, "endpoint-url": recorded.endpoint ?? "" };
  if (recorded.region) merged.region = recorded.region;
  if (recorded.provider) merged.provider = recorded.provider;
  // No recorded endpoint means AWS: the environment's endpoint must not redirect it.
  const env = (name: string) =>
    recorded.endpoint === undefined && name.startsWith("AWS_ENDPOINT_URL")
      ? undefined
      : Deno.env.get(name);
  return resolveStore(merged, { ...opts, env });
}

/**
 * Whether the transport already protects part bodies, so signing their SHA-256 adds only CPU
 * cost: HTTPS (AWS is always HTTPS), or a loopback address that never leaves the machine.
 */
function transportProtectsBody(endpoint: string | undefined): boolean {
  if (!endpoint) return true;
  const url = new URL(endpoint);
  return url.protocol === "https:" ||
    ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) || url.hostname.startsWith("127.");
}

/**
 * Test and benchmark only: S3MPU_TEST_MIN_PART_SIZE lowers the minimum part size, so a
 * 10,000-part resume can be measured against moto (started with S3_UPLOAD_PART_MIN_SIZE)
 * without 50 GB of data. Never set it against a real store: S3 rejects such parts.
 */
function testLimits(
  limits: BackendLimits,
  env: (name: string) => string | undefined,
): BackendLimits {
  const text = env("S3MPU_TEST_MIN_PART_SIZE");
  if (text === undefined) return limits;
  return {
    ...limits,
    minPartSize: parseIntIn("S3MPU_TEST_MIN_PART_SIZE", text, 1, limits.minPartSize),
  };
}

function isIpOrLocal(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === "localhost" || /^[\d.]+$/.test(host) || host.startsWith("[");
}

function hasSharedConfig(env: (name: string) => string | undefined): boolean {
  return env("AWS_PROFILE") !== undefined || env("AWS_CONFIG_FILE") !== undefined ||
    existsSync(`${env("HOME") ?? ""}/.aws/config`);
}

async function readCaBundle(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read the CA bundle ${path}: ${(error as Error).message}.`);
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(`The CA bundle ${path} holds no PEM certificate.`);
  }
  return text;
}
