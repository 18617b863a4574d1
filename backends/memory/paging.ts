/**
 * S3's paging of ListParts and ListMultipartUploads as the memory store answers them:
 * sorted pages of at most a given size, with the markers of the next page.
 */
import {
  type Bucket,
  type OpenUpload,
  PAGE_SIZE,
  type PartsPage,
  type UploadsPage,
} from "./memory_model.ts";

/** The parts of `upload` numbered above `marker`, at most `maxParts` of them. */
export function partsPage(
  upload: OpenUpload,
  marker: number,
  maxParts: number,
  omitChecksums: boolean,
): PartsPage {
  const after = [...upload.parts.values()]
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const page = after.slice(0, maxParts);
  const isTruncated = after.length > maxParts;
  return {
    parts: page.map((p) => ({
      partNumber: p.partNumber,
      eTag: p.eTag,
      size: p.body.length,
      ...(p.checksum === undefined || omitChecksums ? {} : { checksum: p.checksum }),
      lastModified: p.lastModified,
    })),
    isTruncated,
    nextPartNumberMarker: isTruncated ? page[page.length - 1].partNumber : undefined,
  };
}

/** One page of the `sorted` uploads whose key starts with `prefix`, after the markers. */
export function uploadsPage(
  sorted: OpenUpload[],
  prefix: string,
  keyMarker: string | undefined,
  uploadIdMarker: string | undefined,
): UploadsPage {
  const listed = sorted.filter((u) => u.key.startsWith(prefix));
  let start = 0;
  if (keyMarker !== undefined) {
    const markerIndex = listed.findIndex((u) =>
      u.key === keyMarker && u.uploadId === uploadIdMarker
    );
    start = markerIndex >= 0 ? markerIndex + 1 : listed.findIndex((u) => u.key > keyMarker);
    if (start < 0) start = listed.length;
  }
  const page = listed.slice(start, start + PAGE_SIZE);
  const isTruncated = start + PAGE_SIZE < listed.length;
  const last = page[page.length - 1];
  return {
    uploads: page.map((u) => ({ key: u.key, uploadId: u.uploadId, initiated: u.initiated })),
    isTruncated,
    nextKeyMarker: isTruncated ? last.key : undefined,
    nextUploadIdMarker: isTruncated ? last.uploadId : undefined,
  };
}

/** A bucket's open uploads in S3's listing order: by key, then by age. */
export function sortedUploads(bucket: Bucket): OpenUpload[] {
  return [...bucket.uploads.values()].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq
  );
}
