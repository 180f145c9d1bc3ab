// The access log's text format: nginx-like `$variable`s (or `${variable}` next to letters) between
// literal text. Parsed once: by the schema, to refuse an unknown variable at load, and by the
// access log, to compile the format into its parts.
import type { AccessLogField } from './enums.js';
import { didYouMean } from './suggest.js';

/** Each text variable and the access log field it prints; `query_string` is `?query` (or nothing). */
export const ACCESS_LOG_VARIABLES = {
  time: 'time',
  listener: 'listener',
  route: 'route',
  service: 'service',
  backend: 'backend',
  remote_addr: 'clientIp',
  method: 'method',
  host: 'host',
  path: 'path',
  query: 'query',
  query_string: 'query',
  protocol: 'protocol',
  status: 'status',
  duration_ms: 'durationMs',
  bytes_in: 'bytesIn',
  bytes_out: 'bytesOut',
  request_id: 'requestId',
  user_agent: 'userAgent',
  referer: 'referer',
  reason: 'reason',
  connect_ms: 'connectMs',
  response_ms: 'responseMs',
  retries: 'retries',
  tls_version: 'tlsVersion',
  sni: 'sni',
  client_cert_subject: 'clientCertSubject',
} as const satisfies Record<string, AccessLogField>;

export type AccessLogVariable = keyof typeof ACCESS_LOG_VARIABLES;

/** A literal run of text, or a variable. */
export type FormatPart = string | { readonly variable: AccessLogVariable };

export type ParsedFormat = { ok: true; parts: FormatPart[] } | { ok: false; message: string };

const NAME = /[A-Za-z0-9_]/;

/** `$name` takes the longest run of letters, digits and `_`; `${name}` is delimited; a `$` before anything else is literal. */
export function parseLogFormat(format: string): ParsedFormat {
  const parts: FormatPart[] = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    const braced = c === '$' && format[i + 1] === '{';
    if (c !== '$' || (!braced && !NAME.test(format[i + 1] ?? ''))) {
      literal += c;
      i++;
      continue;
    }
    let end: number;
    let name: string;
    if (braced) {
      end = format.indexOf('}', i + 2);
      if (end === -1) return { ok: false, message: `unclosed '\${' at character ${i + 1} of the format` };
      name = format.slice(i + 2, end);
      end++;
    } else {
      end = i + 1;
      while (end < format.length && NAME.test(format[end]!)) end++;
      name = format.slice(i + 1, end);
    }
    if (!Object.hasOwn(ACCESS_LOG_VARIABLES, name)) {
      const hint = didYouMean(name, Object.keys(ACCESS_LOG_VARIABLES)).replace("'", "'$");
      return { ok: false, message: `unknown variable '$${name}' at character ${i + 1} of the format${hint}` };
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push({ variable: name as AccessLogVariable });
    i = end;
  }
  if (literal !== '') parts.push(literal);
  return { ok: true, parts };
}
