/** Bytes in a mebibyte: the unit of every part size and limit. */
export const MiB = 1024 * 1024;

/** Bytes in a gibibyte. */
export const GiB = 1024 * MiB;

/** Bytes in a tebibyte. */
export const TiB = 1024 * GiB;
