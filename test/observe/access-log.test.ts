// The access log against real requests: every field in JSON over HTTP/1.1 and HTTP/2, a text
// format, refusals (a malformed head, 404, an HTTP/2 stream refused) with their reason, TLS facts
// with mTLS, and the file opened again by name after a rename.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { request } from 'undici';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startFulcrum, portOf, yaml } from '../helpers/fulcrum.js';
import { TestCa, tempDir, type CertFiles } from '../helpers/pki.js';
import { readLines, waitForJson, waitForLine } from './access-log-lines.js';
import { FRAME, RawH2Client } from '../helpers/h2-raw.js';
import type { Fulcrum } from '../../src/fulcrum.js';

let dir: ReturnType<typeof tempDir>;
let backend: HttpBackend;
before(async () => {
  dir = tempDir('fulcrum-access-log-');
  backend = await startHttpBackend((_req, res) => res.end('hello'));
});
after(async () => {
  await backend.close();
  dir.remove();
});

function services(): string {
  return `services:\n  app: { backends: [ { address: ${backend.address} } ] }\n`;
}

describe('json format, every field', () => {
  let fulcrum: Fulcrum;
  let file: string;
  let base: string;
  before(async () => {
    file = path.join(dir.dir, 'json.log');
    fulcrum = await startFulcrum(
      yaml`
        listeners:
          - name: web
            address: 127.0.0.1:0
            http2: { enabled: true }
            routes: [ { match: { pathPrefix: /api/ }, service: app } ]
        log: { access: { destination: ${file} } }
      ` + services(),
    );
    base = `http://127.0.0.1:${portOf(fulcrum)}`;
  });
  after(() => fulcrum.close());

  test('HTTP/1.1: every field of a forwarded request', async () => {
    const response = await request(`${base}/api/one?a=1&b=2`, { headers: { 'user-agent': 'ua/1', referer: 'http://ref.test/', 'x-request-id': 'req-1' } });
    assert.equal(await response.body.text(), 'hello');
    const line = await waitForJson(fulcrum, file, (l) => l.requestId === 'req-1');
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line.listener, 'web');
    assert.equal(line.route, '0');
    assert.equal(line.service, 'app');
    assert.equal(line.backend, backend.address);
    assert.equal(line.clientIp, '127.0.0.1');
    assert.equal(line.method, 'GET');
    assert.equal(line.host, `127.0.0.1:${portOf(fulcrum)}`);
    assert.equal(line.path, '/api/one');
    assert.equal(line.query, 'a=1&b=2');
    assert.equal(line.protocol, 'HTTP/1.1');
    assert.equal(line.status, 200);
    assert.ok(typeof line.durationMs === 'number' && line.durationMs > 0);
    assert.ok(typeof line.bytesIn === 'number' && line.bytesIn > 50);
    assert.ok(typeof line.bytesOut === 'number' && line.bytesOut > 'hello'.length);
    assert.equal(line.userAgent, 'ua/1');
    assert.equal(line.referer, 'http://ref.test/');
    assert.equal(line.reason, null);
    // the first request opened the upstream connection: its connect time is known, and comes before the response head
    assert.ok(typeof line.connectMs === 'number' && line.connectMs >= 0);
    assert.ok(typeof line.responseMs === 'number' && line.responseMs >= (line.connectMs as number));
    assert.ok((line.responseMs as number) <= (line.durationMs as number));
    assert.equal(line.retries, 0);
    assert.equal(line.tlsVersion, null);
    assert.equal(line.sni, null);
    assert.equal(line.clientCertSubject, null);

    // the next one reuses the pooled connection: no connect time
    await request(`${base}/api/two`, { headers: { 'x-request-id': 'req-2' } }).then((r) => r.body.text());
    const second = await waitForJson(fulcrum, file, (l) => l.requestId === 'req-2');
    assert.equal(second.connectMs, null);
    assert.equal(second.query, null);
    assert.ok(typeof second.responseMs === 'number');
  });

  test('HTTP/2: the same fields from a stream', async () => {
    const client = http2.connect(base);
    try {
      const stream = client.request({ ':path': '/api/h2?x=y', 'x-request-id': 'req-h2', 'user-agent': 'h2-ua' });
      stream.resume();
      const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      assert.equal(headers[':status'], 200);
      await once(stream, 'end');
    } finally {
      client.close();
    }
    const line = await waitForJson(fulcrum, file, (l) => l.requestId === 'req-h2');
    assert.equal(line.protocol, 'HTTP/2');
    assert.equal(line.path, '/api/h2');
    assert.equal(line.query, 'x=y');
    assert.equal(line.status, 200);
    assert.equal(line.userAgent, 'h2-ua');
    assert.equal(line.backend, backend.address);
    assert.equal(line.retries, 0);
    assert.ok(typeof line.responseMs === 'number');
  });

  test('a malformed HTTP/1.1 head is logged with status 400 and the parser reason', async () => {
    const socket = net.connect(portOf(fulcrum), '127.0.0.1');
    socket.end('GET /api/x HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n');
    let answer = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
    await once(socket, 'close');
    assert.match(answer, /^HTTP\/1\.1 400 /);
    const line = await waitForJson(fulcrum, file, (l) => l.status === 400);
    assert.equal(line.listener, 'web');
    assert.equal(line.clientIp, '127.0.0.1');
    assert.equal(line.method, null);
    assert.equal(line.path, null);
    assert.equal(line.backend, null);
    assert.ok(typeof line.reason === 'string' && line.reason.length > 0, `a reason: ${JSON.stringify(line)}`);
    assert.equal(fulcrum.observers.stats.listener('web').refused >= 1, true);
  });

  test('no route: 404 with its reason; an HTTP/2 stream refused by the validator: its status and reason', async () => {
    await request(`${base}/nowhere?q=1`, { headers: { 'x-request-id': 'req-404' } }).then((r) => r.body.text());
    const missing = await waitForJson(fulcrum, file, (l) => l.status === 404);
    assert.equal(missing.reason, 'no route');
    assert.equal(missing.path, '/nowhere');
    assert.equal(missing.query, 'q=1');
    assert.equal(missing.route, null);

    // CONNECT is refused by Fulcrum's own validation of the stream's header block (405)
    const client = await RawH2Client.connect(portOf(fulcrum));
    try {
      client.headers(1, [
        [':method', 'CONNECT'],
        [':authority', 'example.test:443'],
      ]);
      const answer = await client.waitFor((f) => f.stream === 1 && (f.type === FRAME.RST_STREAM || f.type === FRAME.HEADERS));
      assert.equal(answer.type, FRAME.HEADERS);
    } finally {
      client.close();
    }
    const refused = await waitForJson(fulcrum, file, (l) => l.protocol === 'HTTP/2' && l.status === 405);
    assert.equal(refused.path, null);
    assert.equal(refused.clientIp, '127.0.0.1');
    assert.equal(refused.reason, 'CONNECT is not supported by a reverse proxy');
  });
});

test('text format: the configured $variables, - for what is missing', async () => {
  const file = path.join(dir.dir, 'text.log');
  const format = '$remote_addr - [$time] "$method $path$query_string $protocol" $status $bytes_out $duration_ms "$user_agent" $backend $retries ' + '$' + '{sni}|$reason';
  const fulcrum = await startFulcrum(
    yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { match: { pathPrefix: /api/ }, service: app } ]
      log: { access: { destination: ${file}, format: '${format}' } }
    ` + services(),
  );
  try {
    const base = `http://127.0.0.1:${portOf(fulcrum)}`;
    await request(`${base}/api/text?k=v`, { headers: { 'user-agent': 'text-ua' } }).then((r) => r.body.text());
    const line = await waitForLine(fulcrum, file, (l) => l.includes('/api/text'));
    const escaped = backend.address.replace(/\./g, '\\.');
    assert.match(line, new RegExp(`^127\\.0\\.0\\.1 - \\[\\d{4}-[^\\]]+Z\\] "GET /api/text\\?k=v HTTP/1\\.1" 200 \\d+ [\\d.]+ "text-ua" ${escaped} 0 -\\|-$`));
    await request(`${base}/other`).then((r) => r.body.text());
    const refused = await waitForLine(fulcrum, file, (l) => l.includes('/other'));
    assert.match(refused, /"GET \/other HTTP\/1\.1" 404 \d+ 0 "-" - 0 -\|no route$/);
  } finally {
    await fulcrum.close();
  }
});

describe('TLS facts', () => {
  let pki: ReturnType<typeof tempDir>;
  let ca: TestCa;
  let server: CertFiles;
  let alice: CertFiles;
  before(() => {
    pki = tempDir();
    ca = TestCa.create(pki.dir, 'server-ca');
    server = ca.issue('server', ['secure.test']);
    alice = ca.issue('alice', [], { cn: 'alice' });
  });
  after(() => pki.remove());

  test('https with mTLS: TLS version, SNI and the client certificate subject', async () => {
    const file = path.join(dir.dir, 'tls.log');
    const fulcrum = await startFulcrum(
      yaml`
        listeners:
          - name: secure
            address: 127.0.0.1:0
            protocol: https
            http2: { enabled: false }
            tls:
              certificates: [ { cert: ${server.cert}, key: ${server.key} } ]
              clientAuth: { ca: ${ca.cert}, required: true }
            routes: [ { service: app } ]
        log: { access: { destination: ${file}, fields: [path, status, tlsVersion, sni, clientCertSubject] } }
      ` + services(),
    );
    try {
      const port = portOf(fulcrum, 'secure');
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port,
            path: '/tls',
            servername: 'secure.test',
            headers: { host: 'secure.test' },
            ca: fs.readFileSync(ca.cert),
            cert: fs.readFileSync(alice.cert),
            key: fs.readFileSync(alice.key),
            agent: false,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 200);
      const line = await waitForJson(fulcrum, file, (l) => l.path === '/tls');
      assert.match(String(line.tlsVersion), /^TLSv1\.[23]$/);
      assert.equal(line.sni, 'secure.test');
      assert.match(String(line.clientCertSubject), /CN=alice/);
    } finally {
      await fulcrum.close();
    }
  });
});

test('reopenLogs: after the file is renamed, new lines go to a new file at the original path', async () => {
  const file = path.join(dir.dir, 'rotate.log');
  const fulcrum = await startFulcrum(
    yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: app } ]
      log: { access: { destination: ${file}, fields: [path, status] } }
    ` + services(),
  );
  try {
    const base = `http://127.0.0.1:${portOf(fulcrum)}`;
    await request(`${base}/before`).then((r) => r.body.text());
    await waitForLine(fulcrum, file, (l) => l.includes('/before'));
    const rotated = `${file}.1`;
    fs.renameSync(file, rotated);
    fulcrum.reopenLogs();
    await fulcrum.observers.accessLog!.opened();
    await request(`${base}/after`).then((r) => r.body.text());
    await waitForLine(fulcrum, file, (l) => l.includes('/after'));
    assert.deepEqual(
      readLines(rotated).map((l) => JSON.parse(l).path),
      ['/before'],
    );
    assert.deepEqual(
      readLines(file).map((l) => JSON.parse(l).path),
      ['/after'],
    );
  } finally {
    await fulcrum.close();
  }
});
