// HPACK (RFC 7541): the decoder and encoder of a connection, in their own modules.
export { HpackError } from './hpack-error.js';
export { type DecodedBlock, HpackDecoder, type HpackDecoderOptions } from './hpack-decoder.js';
export { HpackEncoder } from './hpack-encoder.js';
