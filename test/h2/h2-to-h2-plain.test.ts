// An HTTP/2 backend answering without trailers (a plain respond + end, not gRPC): the client's
// stream must end with the body, as it does when the backend sends trailers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Fulcrum } from '../../src/fulcrum.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

let backend: http2.Http2Server;
let fulcrum: Fulcrum;

before(async () => {
  backend = http2.createServer((req, res) => {
    if (req.url === '/empty') {
      res.writeHead(204);
      res.end();
      return;
    }
    res.setHeader('content-type', 'text/plain');
    res.end('plain body of ' + req.url);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as AddressInfo).port;
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes: [ { service: h2 } ]
    services:
      h2:
        protocol: h2
        backends: [ { address: 127.0.0.1:${port} } ]
  `);
});

after(async () => {
  await fulcrum.close();
  await new Promise<void>((resolve) => backend.close(() => resolve()));
});

function get(path: string): Promise<{ status: number; body: string; rst: number | undefined }> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${portOf(fulcrum)}`);
    client.on('error', reject);
    const req = client.request({ ':path': path });
    let status = 0;
    let body = '';
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      resolve({ status, body, rst: req.rstCode });
      client.close();
    });
    req.on('error', reject);
  });
}

test('a response without trailers ends the client stream with its body (no reset)', async () => {
  const answers = await Promise.all([get('/a'), get('/b')]);
  assert.deepEqual(
    answers.map((a) => [a.status, a.body, a.rst ?? 0]),
    [
      [200, 'plain body of /a', 0],
      [200, 'plain body of /b', 0],
    ],
  );
});

test('a bodiless response (204) ends the stream too', async () => {
  const answer = await get('/empty');
  assert.equal(answer.status, 204);
  assert.equal(answer.body, '');
});
