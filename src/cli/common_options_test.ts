import { assertOk } from "../../backends/testing/assert.ts";
import { PRESETS } from "../../backends/presets.ts";
import { CONNECTION_OPTIONS } from "./common_options.ts";

Deno.test("--provider's help names every preset, in the presets' order", () => {
  const help = CONNECTION_OPTIONS.find((o) => o.long === "provider")!.help;
  const names = PRESETS.map((p) => p.name);
  assertOk(help.includes(names.join(", ")), help);
});
