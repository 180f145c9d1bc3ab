// The error a user sees: where (file:line:column and the key path) and what was expected.
import type { PathSegment } from './issues.js';

export interface ConfigError {
  file: string;
  line: number; // 1-based; 0 for a config given as an object (the path says where)
  column: number; // 1-based
  /** like `services.api.backends[1].address`; empty for the document as a whole */
  path: string;
  message: string;
}

/** ['services', 'api', 'backends', 1, 'address'] -> `services.api.backends[1].address` */
export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    return text === '' ? segment : `${text}.${segment}`;
  }, '');
}

/** `examples/basic.yaml:12:9 services.api.backends[1].address: expected host:port, got "10.0.0.1"` */
export function formatConfigError(error: ConfigError): string {
  // line 0: a config given as an object, where the key path is the position
  const where = error.line === 0 ? error.file : `${error.file}:${error.line}:${error.column}`;
  return error.path === '' ? `${where} ${error.message}` : `${where} ${error.path}: ${error.message}`;
}
