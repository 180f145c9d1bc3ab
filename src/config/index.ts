// The config layer's public face.
export { loadConfigFile, parseConfigObject, parseConfigText, type LoadResult } from './load.js';
export { NO_EXTENSIONS, type ConfigExtensions } from './extensions.js';
export { formatConfigError, formatPath, type ConfigError } from './errors.js';
export { parseDuration, parseSize } from './units.js';
export { parseHostPort, formatHostPort, isValidCidr } from './net.js';
export type * from './types.js';
