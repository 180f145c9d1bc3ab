import { STATUS_CODES } from 'node:http';

const cache = new Map<string, string>();

/** A 301 to `locationHeader` (a whole field line); never cached, since every target differs. */
export function redirectResponse(locationHeader: string, close: boolean): string {
  const body = '301 Moved Permanently\n';
  return (
    'HTTP/1.1 301 Moved Permanently\r\n' +
    locationHeader +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${body.length}\r\n` +
    (close ? 'Connection: close\r\n' : '') +
    '\r\n' +
    body
  );
}

/**
 * A complete response Fulcrum answers by itself (refusals, 502/503/504). Small,
 * plain text, always with a length; `close` adds Connection: close.
 */
export function errorResponse(status: number, close: boolean, extraHeaders = ''): string {
  const key = status + (close ? 'c' : 'k') + extraHeaders;
  let response = cache.get(key);
  if (response === undefined) {
    const reason = STATUS_CODES[status] ?? 'Error';
    const body = `${status} ${reason}\n`;
    response =
      `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${body.length}\r\n` +
      'Cache-Control: no-store\r\n' +
      extraHeaders +
      (close ? 'Connection: close\r\n' : '') +
      '\r\n' +
      body;
    cache.set(key, response);
  }
  return response;
}
