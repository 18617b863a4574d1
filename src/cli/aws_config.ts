/**
 * The parts of the AWS shared config (~/.aws/config) s3mpu resolves itself, because it
 * chooses a provider preset, addressing style and CA bundle before the SDK runs:
 * `endpoint_url` (the profile's, or its `services` section's `s3` entry), `s3 =` /
 * `addressing_style`, `ca_bundle` and `region`. Credentials stay with the SDK, which is
 * given the same profile.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** What the selected profile says. */
export interface ProfileSettings {
  /** The profile name, when one was chosen (--profile, AWS_PROFILE). */
  profile?: string;
  region?: string;
  endpointUrl?: string;
  addressingStyle?: "path" | "virtual" | "auto";
  caBundle?: string;
}

type Env = (name: string) => string | undefined;

/** An INI file as sections of keys; a `key =` line followed by indented lines is a sub-map. */
type Ini = Map<string, Map<string, string | Map<string, string>>>;

/**
 * Reads the profile chosen by `flag` (--profile), else AWS_PROFILE, else "default". A profile
 * that is in neither file reads as empty here: resolveStore's checkProfile refuses it (exit 2).
 */
export async function readProfileSettings(
  flag: string | undefined,
  env: Env,
): Promise<ProfileSettings> {
  const home = env("HOME") ?? "";
  const named = flag ?? nonEmpty(env("AWS_PROFILE"));
  const name = named ?? "default";
  const configPath = env("AWS_CONFIG_FILE") ?? `${home}/.aws/config`;
  const config = parseIni(await readOptional(configPath));
  const section = config.get(name === "default" ? "default" : `profile ${name}`) ??
    (name === "default" ? undefined : config.get(name));
  const settings: ProfileSettings = named !== undefined ? { profile: name } : {};
  if (!section) return settings;
  const get = (key: string) => {
    const value = section.get(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const s3 = section.get("s3");
  const s3Map = s3 instanceof Map ? s3 : undefined;
  settings.region = get("region");
  settings.caBundle = get("ca_bundle");
  const style = s3Map?.get("addressing_style");
  if (style !== undefined) {
    if (style !== "path" && style !== "virtual" && style !== "auto") {
      throw new UsageError(
        `s3.addressing_style = ${style} in ${configPath} must be path, virtual or auto.`,
      );
    }
    settings.addressingStyle = style;
  }
  if (env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.toLowerCase() !== "true") {
    const servicesName = get("services");
    const services = servicesName ? config.get(`services ${servicesName}`)?.get("s3") : undefined;
    settings.endpointUrl = (services instanceof Map ? services.get("endpoint_url") : undefined) ??
      s3Map?.get("endpoint_url") ?? get("endpoint_url");
  }
  return dropUndefined(settings);
}

/** Parses AWS's INI dialect: `[section]`, `key = value`, and indented sub-keys. */
export function parseIni(text: string): Ini {
  const ini: Ini = new Map();
  let section: Map<string, string | Map<string, string>> | undefined;
  let nested: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(raw);
    if (header) {
      section = new Map();
      ini.set(header[1].replace(/\s+/g, " "), section);
      nested = undefined;
      continue;
    }
    const pair = /^(\s*)([^=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!pair || !section) continue;
    const [, indent, key, value] = pair;
    if (indent !== "" && nested) {
      nested.set(key, value);
    } else if (value === "") {
      nested = new Map();
      section.set(key, nested);
    } else {
      nested = undefined;
      section.set(key, value);
    }
  }
  return ini;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}.`);
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
