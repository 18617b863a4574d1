import type { ChecksumAlgorithm as SdkChecksumAlgorithm } from "@aws-sdk/client-s3";
import type { ChecksumAlgorithm, ChecksumType, ObjectChecksum } from "../types.ts";

/** The SDK's name of each flexible checksum algorithm. */
export const SDK_ALGORITHM: Partial<Record<ChecksumAlgorithm, SdkChecksumAlgorithm>> = {
  crc32: "CRC32",
  crc32c: "CRC32C",
  sha256: "SHA256",
};

/** The SDK input and output field that carries each flexible checksum. */
export const CHECKSUM_FIELD: Partial<
  Record<ChecksumAlgorithm, "ChecksumCRC32" | "ChecksumCRC32C" | "ChecksumSHA256">
> = {
  crc32: "ChecksumCRC32",
  crc32c: "ChecksumCRC32C",
  sha256: "ChecksumSHA256",
};

/** The object checksum an SDK output carries, if any. */
export function storedChecksum(out: {
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumSHA256?: string;
  ChecksumType?: string;
}): ObjectChecksum | undefined {
  const found = ([
    ["crc32", out.ChecksumCRC32],
    ["crc32c", out.ChecksumCRC32C],
    ["sha256", out.ChecksumSHA256],
  ] as const).find(([, value]) => value);
  if (!found) return undefined;
  const value = found[1]!;
  const named = out.ChecksumType === "FULL_OBJECT" || out.ChecksumType === "COMPOSITE";
  const type = named
    ? out.ChecksumType as ChecksumType
    : /-\d+$/.test(value)
    ? "COMPOSITE"
    : "FULL_OBJECT";
  return { algorithm: found[0], value, type, ...(named ? {} : { typeGuessed: true }) };
}
