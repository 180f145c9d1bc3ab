// Fulcrum.reload in process: kept listeners keep their socket (and open connections see the new
// routes), new ones bind, removed ones close, a moved one rebinds; unchanged backends keep their
// counters; runtime changes are re-applied on top of the new file, or reported as conflicts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { request, Agent } from 'undici';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import type { FulcrumConfig } from '../../src/config/types.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import { updateBackend } from '../../src/admin/changes.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';

function parse(text: string): FulcrumConfig {
  const result = parseConfigText(text, 'reload.yaml');
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.config;
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

describe('Fulcrum.reload', () => {
  let a: HttpBackend;
  let b: HttpBackend;
  let fulcrum: Fulcrum;
  const agent = new Agent({ connections: 1 });
  const text = (extraListener: string, route: string, bWeight = 1) => yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        routes: [ ${route} ]
${extraListener}
    services:
      api: { backends: [ { address: ${a.address} } ] }
      other: { backends: [ { address: ${b.address}, weight: ${bWeight} } ] }
  `;

  before(async () => {
    [a, b] = await Promise.all([startHttpBackend(echoHandler('a')), startHttpBackend(echoHandler('b'))]);
    fulcrum = await startFulcrum(text('      - { name: side, address: 127.0.0.1:0, routes: [ { service: api } ] }', '{ service: api }'));
  });

  after(async () => {
    await agent.close();
    await fulcrum.close();
    await Promise.all([a.close(), b.close()]);
  });

  const get = async (url: string) => (await (await request(url, { dispatcher: agent })).body.text()).split(' ')[0];

  test('a changed route reaches the kept socket and its open keep-alive connection; listeners are added and removed', async () => {
    const webPort = fulcrum.address('web').port;
    const sidePort = fulcrum.address('side').port;
    assert.equal(await get(fulcrum.url('web')), 'a');
    const backendA = fulcrum.services.get('api')!.backends[0]!;
    const total = backendA.total;
    const result = await fulcrum.reload(parse(text('      - { name: new, address: 127.0.0.1:0, routes: [ { service: other } ] }', '{ service: other }')));
    assert.ok(result.ok);
    assert.deepEqual(result.listeners, { added: ['new'], removed: ['side'], updated: ['web'], rebound: [], unchanged: [] });
    assert.deepEqual(result.services, { added: [], removed: [], updated: [], unchanged: ['api', 'other'] });
    assert.equal(fulcrum.address('web').port, webPort, 'same socket');
    // the agent's single keep-alive connection, opened before the reload, now routes to b
    assert.equal(await get(fulcrum.url('web')), 'b');
    assert.equal(a.connections, 1);
    assert.equal(await get(fulcrum.url('new')), 'b');
    assert.ok(await refused(sidePort), 'the removed listener stopped accepting');
    assert.equal(fulcrum.services.get('api')!.backends[0], backendA, 'unchanged backend object kept');
    assert.equal(backendA.total, total, 'with its counters');
  });

  test('a moved listener binds the new address and closes the old one', async () => {
    const old = fulcrum.address('web').port;
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const moved = text('', '{ service: api }').replace(/name: web\n(\s+)address: 127\.0\.0\.1:0/, `name: web\n$1address: 127.0.0.1:${free}`);
    const result = await fulcrum.reload(parse(moved));
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(fulcrum.address('web').port, free);
    assert.equal(await get(`http://127.0.0.1:${free}`), 'a');
    assert.ok(await refused(old));
  });

  test('a listener that cannot bind refuses the whole reload; nothing changes', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const before = fulcrum.config;
    const result = await fulcrum.reload(parse(text(`      - { name: clash, address: 127.0.0.1:${port}, routes: [ { service: other } ] }`, '{ service: other }')));
    blocker.close();
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.errors[0]! : '', /EADDRINUSE/);
    assert.equal(fulcrum.config, before);
    assert.equal(await get(fulcrum.url('web')), 'a', 'routes unchanged');
  });

  test('runtime changes are kept across a reload until the file changes the same thing', async () => {
    await fulcrum.reload(parse(text('', '{ service: api }')));
    updateBackend(fulcrum, 'other', b.address, { weight: 7 });
    const kept = await fulcrum.reload(parse(text('', '{ service: other }')));
    assert.ok(kept.ok);
    assert.deepEqual(kept.runtimeChanges.kept, [`other: ${b.address} weight 7`]);
    assert.equal(fulcrum.services.get('other')!.backends[0]!.weight, 7);
    const conflict = await fulcrum.reload(parse(text('', '{ service: other }', 4)));
    assert.ok(conflict.ok);
    assert.deepEqual(conflict.runtimeChanges.kept, []);
    assert.deepEqual(conflict.runtimeChanges.conflicts, [`other: ${b.address} weight 7: the file changed its weight (1 → 4); the file wins`]);
    assert.equal(fulcrum.services.get('other')!.backends[0]!.weight, 4);
  });
});
