/**
 * What each S3-compatible provider allows, as data: part-size rules, which checksum s3mpu
 * sends with a part, whether ETags are MD5s, how long an unfinished upload survives. The
 * engine and the S3 adapter read these instead of branching on provider names.
 *
 * Every value carries the documentation it comes from. Where the documentation does not
 * settle a value, the comment says so and the value is the conservative one: the choice that
 * can fail early with a clear message rather than late on the server or silently.
 *
 * The README's provider table is rendered from this file by backends/provider_table.ts.
 */
import type { ProviderPreset } from "./presets/preset.ts";
import { AWS } from "./presets/aws.ts";
import { MINIO } from "./presets/minio.ts";
import { CEPH } from "./presets/ceph.ts";
import { R2 } from "./presets/r2.ts";
import { B2 } from "./presets/b2.ts";
import { GCS } from "./presets/gcs.ts";
import { WASABI } from "./presets/wasabi.ts";
import { DIGITALOCEAN } from "./presets/digitalocean.ts";
import { SCALEWAY } from "./presets/scaleway.ts";
import { STORJ } from "./presets/storj.ts";
import { VERSITYGW } from "./presets/versitygw.ts";
import { SEAWEEDFS } from "./presets/seaweedfs.ts";
import { GARAGE } from "./presets/garage.ts";
import { GENERIC } from "./presets/generic.ts";

export type { ProviderPreset, StoreDeviations } from "./presets/preset.ts";

function freeze(preset: ProviderPreset): ProviderPreset {
  Object.freeze(preset.docs);
  Object.freeze(preset.endpoint.hostPatterns);
  Object.freeze(preset.endpoint);
  Object.freeze(preset.region);
  Object.freeze(preset.checksum);
  Object.freeze(preset.limits);
  if (preset.deviations) Object.freeze(preset.deviations);
  return Object.freeze(preset);
}

/** Every known provider, in the order the README lists them; "generic" is last. */
export const PRESETS: readonly ProviderPreset[] = Object.freeze(
  [
    AWS,
    MINIO,
    CEPH,
    R2,
    B2,
    GCS,
    WASABI,
    DIGITALOCEAN,
    SCALEWAY,
    STORJ,
    VERSITYGW,
    SEAWEEDFS,
    GARAGE,
    GENERIC,
  ].map(freeze),
);

/** Names accepted by `--provider`, in table order. */
export function presetNames(): string[] {
  return PRESETS.map((preset) => preset.name);
}

/** The preset called `name` (case-insensitive); throws an Error listing the valid names. */
export function getPreset(name: string): ProviderPreset {
  const wanted = name.trim().toLowerCase();
  const preset = PRESETS.find((candidate) => candidate.name === wanted);
  if (preset) return preset;
  throw new Error(
    `Unknown provider "${name}". Use one of: ${presetNames().join(", ")} ` +
      `("generic" fits any other S3-compatible store).`,
  );
}

/**
 * The preset an endpoint URL belongs to: AWS when no endpoint is given, the provider whose
 * host pattern matches, or undefined for localhost, IP addresses, unknown hosts and
 * unparseable input (the caller then uses "generic"). A bare host name is accepted.
 */
export function detectPreset(endpoint: string | undefined): ProviderPreset | undefined {
  if (endpoint === undefined) return AWS;
  const host = hostOf(endpoint);
  if (host === undefined || isLocalOrIp(host)) return undefined;
  return PRESETS.find((preset) => preset.endpoint.hostPatterns.some((re) => re.test(host)));
}

/**
 * The preset of a store that names itself in the HTTP `Server` header of its answers (MinIO,
 * Ceph RGW, SeaweedFS, versitygw: each preset's `endpoint.serverHeader`), or undefined for a
 * header no preset claims or none at all (moto, Garage, a proxy in front of the store).
 */
export function presetFromServerHeader(server: string | undefined): ProviderPreset | undefined {
  const value = server?.trim();
  if (!value) return undefined;
  return PRESETS.find((preset) => preset.endpoint.serverHeader?.test(value));
}

/**
 * The `{region}` an endpoint host carries for a preset whose template has one, e.g.
 * "us-west-004" for https://s3.us-west-004.backblazeb2.com and the B2 preset; undefined when
 * the template has no `{region}` or the host does not fit it.
 */
export function regionFromEndpoint(preset: ProviderPreset, endpoint: string): string | undefined {
  const template = preset.endpoint.template;
  const host = hostOf(endpoint);
  if (!template?.includes("{region}") || host === undefined) return undefined;
  const templateHost = new URL(template.replace(/\{(\w+)\}/g, "x-$1-x")).hostname;
  const pattern = templateHost
    .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace("x-region-x", "(?<region>[a-z0-9-]+)")
    .replace(/x-\w+-x/g, "[a-z0-9-]+");
  // Virtual-hosted requests put the bucket in front of the template's host.
  return new RegExp(`(?:^|\\.)${pattern}$`).exec(host)?.groups?.region;
}

function hostOf(endpoint: string): string | undefined {
  const text = endpoint.trim();
  if (text === "") return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    return url.hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

function isLocalOrIp(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[");
}
