// Answers a chain gives by itself (redirect, 403, 429): small, complete, with a length. They take the
// connection's exchange slot like an Exchange would, so pipelined requests stay in order.
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import { h1Protocol, recordRequest } from '../../observe/request-record.js';
import type { ClientExchange } from '../client-connection.js';
import { FieldList } from '../h1/fields.js';
import type { Answer } from './chain.js';
import type { ChainRun } from './run.js';

export class SimpleAnswer implements ClientExchange {
  constructor(
    private readonly run: ChainRun,
    private readonly answer: Answer,
  ) {}

  /** `close`: the request had a body we will not read, or the client asked to close. */
  start(close: boolean): void {
    const { run, answer } = this;
    const shut = close || answer.close === true;
    const fields = new FieldList();
    for (const [name, value] of answer.fields) fields.push(name, name.toLowerCase(), value);
    if (fields.get('content-type') === undefined) fields.push('Content-Type', 'content-type', 'text/plain; charset=utf-8');
    run.applyResponsePhases(answer.status, fields);
    const binary = answer.binary;
    const head = localHead(run, answer.status, fields, shut, binary === undefined ? answer.body.length : binary.length);
    if (binary === undefined) run.client.write(run.head.method === 'HEAD' ? head : head + answer.body);
    else {
      run.client.write(head);
      if (run.head.method !== 'HEAD' && binary.length > 0) run.client.write(binary);
    }
    recordLocal(run, answer.status);
    run.client.exchangeDone(!shut);
  }

  clientBody(): void {} // a request body we do not want: the connection closes after the answer
  clientDrain(): void {}
  clientAborted(): void {}
  clientTimeout(): void {
    this.run.client.destroy();
  }
}

/**
 * The head of a response of Fulcrum's own. `length` >= 0 is a Content-Length; -1 means chunked
 * (HTTP/1.1) or close-delimited (HTTP/1.0, which then must close); -2 means no framing field (304).
 */
export function localHead(run: ChainRun, status: number, fields: FieldList, close: boolean, length: number): string {
  let out = 'HTTP/1.1 ' + status + ' ' + (STATUS_CODES[status] ?? 'Unknown') + '\r\n';
  const { names, values } = fields;
  for (let i = 0; i < names.length; i++) out += names[i] + ': ' + values[i] + '\r\n';
  if (length >= 0) out += 'Content-Length: ' + length + '\r\n';
  else if (length === -1 && run.head.version === 11) out += 'Transfer-Encoding: chunked\r\n';
  out += run.client.hsts;
  if (close) out += 'Connection: close\r\n';
  else if (run.head.version === 10) out += 'Connection: keep-alive\r\n';
  return out + '\r\n';
}

/** Count an answer of the chain's own in the route's series (backend: none) and the access log. */
export function recordLocal(run: ChainRun, status: number): void {
  const client = run.client;
  const durationMs = performance.now() - run.startedAt;
  recordRequest(client.observers, run.chain.stats, null, run.head, run.clientIp, h1Protocol(run.head.version), status, durationMs, client.exchangeBytesIn, client.exchangeBytesOut, client);
}

/** A plain-text answer. */
export function textAnswer(status: number, fields: Array<[string, string]> = [], close = false): Answer {
  return { status, fields, body: `${status} ${STATUS_CODES[status] ?? 'Error'}\n`, close };
}
