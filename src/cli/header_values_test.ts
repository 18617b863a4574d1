import { assertEquals, assertThrows } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { checkHeaderValue, parseMetadata, parseTagging } from "./header_values.ts";

Deno.test("tags are decoded as stores read them and sent encoded, so any script reads back", () => {
  assertEquals(parseTagging("k=ü"), "k=%C3%BC");
  assertEquals(parseTagging("team=data&tier=gold"), "team=data&tier=gold");
  // + is a space (as url.ParseQuery and parse_qs read it); %2B is a plus.
  assertEquals(parseTagging("s=a+b&p=a%2Bb"), "s=a%20b&p=a%2Bb");
  assertEquals(parseTagging("path=a/b:c&at=x@y&e="), "path=a%2Fb%3Ac&at=x%40y&e=");
  assertEquals(parseTagging("Name=José Ñuñez&"), "Name=Jos%C3%A9%20%C3%91u%C3%B1ez");
});

Deno.test("tags S3 would refuse are refused here, naming the tag", () => {
  const cases: Array<[string, RegExp]> = [
    ["k=%ZZ", /"%ZZ" is not a valid URL escape/],
    ["k=%FF", /"%FF" is not a valid URL escape of UTF-8 text/],
    ["k=a!b", /the value "a!b" holds "!", which S3 does not allow in tags/],
    ["k%3Dx=a%26b", /holds "&"/],
    ["k=v&k=w", /names the tag "k" twice/],
    ["k", /"k" has no "="/],
    ["=v", /a tag key must be 1 to 128 characters/],
    [`${"k".repeat(129)}=v`, /a tag key must be 1 to 128 characters/],
    [`k=${"v".repeat(257)}`, /longer than S3's 256 characters/],
    ["aws:x=1", /reserved by AWS/],
    ["&", /takes URL-encoded pairs/],
    [Array.from({ length: 11 }, (_, i) => `k${i}=v`).join("&"), /at most 10 tags .*got 11/],
  ];
  for (const [text, error] of cases) {
    assertThrows(() => parseTagging(text), UsageError, error, text);
  }
  assertEquals(parseTagging(`${"k".repeat(128)}=${"ü".repeat(256)}`).length > 0, true);
});

Deno.test("metadata: each name once (ignoring case), US-ASCII values, 2 KB in all", () => {
  assertEquals(parseMetadata("a=1, b=x y,c="), { a: "1", b: "x y", c: "" });
  assertEquals(parseMetadata('{"k":"v","n":"%C3%BC"}'), { k: "v", n: "%C3%BC" });
  const cases: Array<[string, RegExp]> = [
    ["k=v,k=w", /names "k" twice; give each name once/],
    ["Owner=a,owner=b", /names "owner" twice \(as "Owner" too: names ignore case\)/],
    ["k=ü", /value of "k": "ü" holds the non-ASCII character "ü"/],
    ['{"k":"line\\nbreak"}', /holds a control character/],
    ["k=v ", /starts or ends with a space/],
    ["ü=v", /header-safe names; "ü" is not/],
    ['{"k":1}', /header-safe names/],
    [`k=${"v".repeat(2048)}`, /is 2049 bytes \(names and values\); S3 allows at most 2048/],
  ];
  for (const [text, error] of cases) {
    assertThrows(() => parseMetadata(text), UsageError, error, text);
  }
});

Deno.test("header values: printable ASCII (tabs too), no outer spaces", () => {
  checkHeaderValue("--cache-control", "max-age=60,\tpublic", "fix");
  assertThrows(
    () => checkHeaderValue("--content-language", "français", "Use fr."),
    UsageError,
    /--content-language: "français" holds the non-ASCII character "ç", and S3 takes only US-ASCII here\. Use fr\./,
  );
  assertThrows(() => checkHeaderValue("--x", "a\u007f", "f"), UsageError, /a control character/);
  assertThrows(() => checkHeaderValue("--x", " a", "f"), UsageError, /starts or ends with a space/);
});
