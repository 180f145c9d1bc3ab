/** A field block that cannot be decoded: always a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3). */
export class HpackError extends Error {}
