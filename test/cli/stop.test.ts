// `fulcrum start` stopped by SIGTERM: requests in flight over HTTP/1.1 and h2c and a tcp session
// finish, an idle keep-alive connection closes at once, new connections are refused, exit code 0;
// a second signal exits at once; --drain-timeout bounds the wait.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { startFulcrumProcess, type FulcrumProcess } from '../helpers/fulcrum-process.js';
import { refused, startEchoServer, startHeldBackend, untilLogged, type HeldBackend } from './process-helpers.js';

const config = (backendPort: number, echoPort: number) => `
listeners:
  - { name: web, address: 127.0.0.1:0, protocol: http, http2: { enabled: true }, routes: [ { service: api } ] }
  - { name: db, address: 127.0.0.1:0, protocol: tcp, service: echo }
services:
  api: { backends: [ { address: 127.0.0.1:${backendPort} } ] }
  echo: { backends: [ { address: 127.0.0.1:${echoPort} } ] }
log: { level: info }
admin: { address: 127.0.0.1:0 }
`;

function h1Get(port: number, path: string, agent: http.Agent): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
      })
      .on('error', reject);
  });
}

describe('graceful stop (SIGTERM)', () => {
  let backend: HeldBackend;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  before(async () => {
    [backend, echo] = await Promise.all([startHeldBackend(), startEchoServer()]);
  });
  after(async () => {
    await Promise.all([backend.close(), echo.close()]);
  });

  test('in-flight h1 and h2c requests and a tcp session finish; idle keep-alive closes; new connections refused; exit 0', async () => {
    const proc: FulcrumProcess = await startFulcrumProcess(config(backend.port, echo.port), 2);
    try {
      const web = proc.ports.get('web')!;
      const db = proc.ports.get('db')!;
      // an idle keep-alive connection: one answered request, then nothing
      const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      assert.equal((await h1Get(web, '/fast', idleAgent)).body, 'fast');
      const idleSocket = (Object.values(idleAgent.freeSockets)[0] ?? [])[0]!;
      const idleClosed = once(idleSocket, 'close');
      // in flight: HTTP/1.1, h2c, and a tcp session
      const busyAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const h1 = h1Get(web, '/slow', busyAgent);
      const session = http2.connect(`http://127.0.0.1:${web}`);
      session.on('error', () => {});
      const goaway = once(session, 'goaway');
      const stream = session.request({ ':path': '/slow' });
      let h2Body = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (h2Body += chunk));
      const h2Status = once(stream, 'response').then(([headers]) => (headers as http2.IncomingHttpHeaders)[':status']);
      const h2End = once(stream, 'end');
      const tcp = net.connect(db, '127.0.0.1');
      tcp.setEncoding('utf8');
      let echoed = '';
      tcp.on('data', (chunk: string) => (echoed += chunk));
      tcp.write('before ');
      await backend.arrived(2);
      await untilData(tcp, () => echoed === 'before ');

      proc.child.kill('SIGTERM');
      await untilLogged(proc, '"stopping');
      await idleClosed; // at once: the slow responses are still held
      await goaway;
      assert.equal(await refused(web), true, 'a new http connection after the signal is refused');
      assert.equal(await refused(db), true, 'a new tcp connection after the signal is refused');
      tcp.write('after');
      await untilData(tcp, () => echoed === 'before after');

      backend.release();
      const answer = await h1;
      assert.deepEqual(answer, { status: 200, connection: 'close', body: 'slow done' });
      assert.equal(await h2Status, 200);
      await h2End;
      assert.equal(h2Body, 'slow done');
      session.close();
      assert.equal(proc.child.exitCode, null, 'the tcp session still holds the stop');
      tcp.end();
      assert.equal(await proc.exited, 0);
      assert.match(proc.log(), /"stopped"/);
      idleAgent.destroy();
      busyAgent.destroy();
    } finally {
      await proc.stop();
    }
  });

  test('a WebSocket tunnel goes on after the signal, until it closes; then exit 0', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
    await once(wss, 'listening');
    const proc = await startFulcrumProcess(config((wss.address() as AddressInfo).port, echo.port), 2);
    try {
      const client = new WebSocket(`ws://127.0.0.1:${proc.ports.get('web')!}/`);
      await once(client, 'open');
      proc.child.kill('SIGTERM');
      await untilLogged(proc, '"stopping');
      client.send('after the signal');
      const [reply] = await once(client, 'message');
      assert.equal(String(reply), 'after the signal');
      assert.equal(proc.child.exitCode, null, 'the tunnel holds the stop');
      client.close(1000);
      await once(client, 'close');
      assert.equal(await proc.exited, 0);
    } finally {
      await proc.stop();
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  test('a second signal exits at once, with 1', async () => {
    const proc = await startFulcrumProcess(config(backend.port, echo.port), 2);
    try {
      const agent = new http.Agent();
      const pending = h1Get(proc.ports.get('web')!, '/slow', agent).catch(() => null);
      await backend.arrived(1);
      proc.child.kill('SIGTERM');
      await untilLogged(proc, '"stopping');
      assert.equal(proc.child.exitCode, null, 'still draining after the first signal');
      proc.child.kill('SIGINT');
      assert.equal(await proc.exited, 1);
      assert.equal(await pending, null, 'the held request was cut');
      backend.release();
    } finally {
      await proc.stop();
    }
  });

  test('a SIGTERM as soon as a worker listens (the main thread still starting) is a graceful stop: exit 0', async () => {
    // one "listening" line: the other workers, the admin API and the signal handling may not be up yet
    const proc = await startFulcrumProcess(config(backend.port, echo.port), 1, 10_000, ['--workers', '2']);
    try {
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 0);
      assert.match(proc.log(), /"stopped"/);
    } finally {
      await proc.stop();
    }
  });

  test('--drain-timeout: what is still open at the timeout is closed, and the exit is 0', async () => {
    const proc = await startFulcrumProcess(config(backend.port, echo.port), 2, 10_000, ['--drain-timeout', '300ms']);
    try {
      const pending = h1Get(proc.ports.get('web')!, '/slow', new http.Agent()).catch(() => null);
      await backend.arrived(1);
      const signalled = Date.now();
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 0);
      assert.equal(await pending, null, 'the request still held at the timeout was cut');
      assert.ok(Date.now() - signalled < 5000, 'exited by the drain timeout, not the default 30 s');
      assert.match(proc.log(), /"graceMs":300/);
      backend.release();
    } finally {
      await proc.stop();
    }
  });
});

function untilData(socket: net.Socket, done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (done()) return resolve();
    const check = (): void => {
      if (!done()) return;
      socket.off('data', check);
      resolve();
    };
    socket.on('data', check);
  });
}
