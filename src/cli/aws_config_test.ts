import { assertEquals } from "../../backends/testing/assert.ts";
import { readProfileSettings } from "./aws_config.ts";

async function withConfig(config: string, credentials = "") {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/config`, config);
  await Deno.writeTextFile(`${dir}/credentials`, credentials);
  const vars: Record<string, string> = {
    AWS_CONFIG_FILE: `${dir}/config`,
    AWS_SHARED_CREDENTIALS_FILE: `${dir}/credentials`,
  };
  return { env: (name: string) => vars[name], vars };
}

const CONFIG = `
[default]
region = eu-west-1

[profile prod]
region = us-east-2
ca_bundle = /etc/ssl/corp.pem
services = local-s3
s3 =
  addressing_style = path

[services local-s3]
s3 =
  endpoint_url = http://127.0.0.1:9000

[profile plain]
endpoint_url = https://s3.example.com
`;

Deno.test("a profile's endpoint_url, addressing_style, ca_bundle and region are read", async () => {
  const { env } = await withConfig(CONFIG);
  assertEquals(await readProfileSettings("prod", env), {
    profile: "prod",
    region: "us-east-2",
    caBundle: "/etc/ssl/corp.pem",
    addressingStyle: "path",
    endpointUrl: "http://127.0.0.1:9000",
  });
  assertEquals(await readProfileSettings("plain", env), {
    profile: "plain",
    endpointUrl: "https://s3.example.com",
  });
  assertEquals(await readProfileSettings(undefined, env), { region: "eu-west-1" });
});

Deno.test("AWS_PROFILE selects the profile; the flag wins", async () => {
  const { env, vars } = await withConfig(CONFIG);
  vars.AWS_PROFILE = "plain";
  assertEquals((await readProfileSettings(undefined, env)).profile, "plain");
  assertEquals((await readProfileSettings("prod", env)).profile, "prod");
});

Deno.test("a profile without a config section has no settings (checkProfile refuses unknown ones)", async () => {
  const { env } = await withConfig(CONFIG, "[ci]\naws_access_key_id = x\n");
  assertEquals(await readProfileSettings("ci", env), { profile: "ci" });
});

Deno.test("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drops configured endpoints", async () => {
  const { env, vars } = await withConfig(CONFIG);
  vars.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true";
  assertEquals((await readProfileSettings("plain", env)).endpointUrl, undefined);
});
