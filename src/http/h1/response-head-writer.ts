// The response head an HTTP/1.1 (or 1.0) client receives for a backend's response: a pure function
// of the backend's head and the decisions already made about framing and persistence.
import { relaysResponseField } from '../response-fields.js';
import type { ResponseHead } from './response-head.js';

/** What was decided about the client's side of a response. */
export interface ClientResponsePlan {
  /** the client's request was HTTP/1.1 (11) or 1.0 (10) */
  readonly version: number;
  /** the client's request was HEAD */
  readonly head: boolean;
  /** the body reaches the client chunked (re-framed, or compressed) */
  readonly chunked: boolean;
  /** the body length is the backend's Content-Length (false when compressing) */
  readonly keepsLength: boolean;
  /** the client connection stays open after this response */
  readonly keepAlive: boolean;
  /** the service reads X-Backend-Load: not relayed */
  readonly hideLoadReport: boolean;
  /** field lines of Fulcrum's own, appended as they are ("Name: value\r\n" each): HSTS, a sticky cookie */
  readonly extraLines: string;
  /** the listener sets Strict-Transport-Security itself (in `extraLines`): the backend's is dropped */
  readonly replaceHsts: boolean;
}

export function clientResponseHead(backend: ResponseHead, plan: ClientResponsePlan): string {
  const status = backend.status;
  let out = 'HTTP/1.1 ' + status + ' ' + backend.reason + '\r\n';
  const { names, lower, values } = backend.fields;
  const tokens = backend.connectionTokens;
  for (let i = 0; i < names.length; i++) {
    if (relaysResponseField(lower[i]!, tokens, plan.hideLoadReport, plan.replaceHsts)) out += names[i] + ': ' + values[i] + '\r\n';
  }
  if (plan.chunked) out += 'Transfer-Encoding: chunked\r\n';
  else if (plan.keepsLength && backend.contentLength >= 0 && status !== 204 && status !== 304) out += 'Content-Length: ' + backend.contentLength + '\r\n';
  else if (plan.head && backend.chunked && plan.version === 11) out += 'Transfer-Encoding: chunked\r\n';
  out += plan.extraLines;
  if (!plan.keepAlive) out += 'Connection: close\r\n';
  else if (plan.version === 10) out += 'Connection: keep-alive\r\n';
  return out + '\r\n';
}
