// An https listener builds its TLS server from its certificates: a reload that changes them binds
// the listener again, on the port it had (new handshakes get the new certificate); a reload that
// changes anything else swaps its state in place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { TestCa, tempDir } from '../helpers/pki.js';
import { parse, startNamedBackend } from './line-peers.js';

let pki: ReturnType<typeof tempDir>;
let ca: TestCa;
before(() => {
  pki = tempDir();
  ca = TestCa.create(pki.dir);
});
after(() => pki.remove());

test('https: new certificates rebind the listener on its port (new handshakes get them); other changes swap in place', async () => {
  const first = ca.issue('first', ['first.test']);
  const second = ca.issue('second', ['second.test']);
  const backend = await startNamedBackend('app');
  const config = (cert: { cert: string; key: string }, hsts: string) => yaml`
    listeners:
      - name: secure
        address: 127.0.0.1:0
        protocol: https
        tls: { certificates: [ { cert: ${cert.cert}, key: ${cert.key} } ]${hsts} }
        routes: [ { service: app } ]
    services:
      app: { backends: [ { address: 127.0.0.1:${backend.port} } ] }
  `;
  const fulcrum = await startFulcrum(config(first, ''));
  const port = portOf(fulcrum, 'secure');
  const subject = () =>
    new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'x.test', rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().subject.CN as string);
        socket.destroy();
      });
      socket.once('error', reject);
    });
  try {
    assert.equal(await subject(), 'first.test');
    let result = await fulcrum.reload(parse(config(first, ', hsts: { maxAge: 1h }')));
    assert.ok(result.ok);
    assert.deepEqual([result.listeners.updated, result.listeners.rebound], [['secure'], []], 'hsts swaps in place');

    result = await fulcrum.reload(parse(config(second, ', hsts: { maxAge: 1h }')));
    assert.ok(result.ok);
    assert.deepEqual([result.listeners.updated, result.listeners.rebound], [[], ['secure']]);
    assert.equal(portOf(fulcrum, 'secure'), port, 'bound again on the same port');
    assert.equal(await subject(), 'second.test', 'new handshakes get the new certificate');
  } finally {
    await fulcrum.close();
    await backend.close();
  }
});
