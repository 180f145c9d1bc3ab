// The config layer's public face.
export { loadConfigFile, parseConfigText, type LoadResult } from './load.js';
export { formatConfigError, formatPath, type ConfigError } from './errors.js';
export { parseDuration, parseSize } from './units.js';
export { parseHostPort, formatHostPort, isValidCidr } from './net.js';
export type * from './types.js';
