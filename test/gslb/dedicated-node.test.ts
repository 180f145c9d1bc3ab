// A config with only `gslb` (no listeners, no services): a dedicated GSLB node. `fulcrum check`
// accepts it and `fulcrum start` runs it; the remote backend answers; unknown methods get false.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkCommand } from '../../src/cli/check.js';
import { yaml } from '../helpers/fulcrum.js';
import { until } from '../helpers/health.js';
import { startFulcrumProcess } from '../helpers/fulcrum-process.js';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const config = (gslbPort: number, adminPort: number) => yaml`
  admin: { address: 127.0.0.1:${adminPort} }
  gslb:
    listen: 127.0.0.1:${gslbPort}
    zone: gslb.example.test
    regions:
      eu: { answer: [192.0.2.10], clients: [10.1.0.0/16] }
      us: { answer: [198.51.100.10], clients: [10.2.0.0/16] }
    names:
      www: { policy: geo }
`;

async function call(port: number, path: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  assert.equal(response.status, 200);
  return ((await response.json()) as { result: unknown }).result;
}

test('fulcrum check accepts a config with only gslb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-gslb-'));
  try {
    const file = join(dir, 'gslb.yaml');
    await writeFile(file, config(8053, 9090));
    const out: string[] = [];
    const err: string[] = [];
    const code = await checkCommand(file, { out: (l) => out.push(l), err: (l) => err.push(l) });
    assert.equal(code, 0, err.join('\n'));
    assert.match(out.join('\n'), /: ok \(0 listeners, 0 services, gslb zone gslb\.example\.test\)$/);
    assert.equal(err.length, 0, err.join('\n'));
    // an endpoint other machines can reach: valid, with a warning naming the line
    await writeFile(file, config(8053, 9090).replace('listen: 127.0.0.1:8053', 'listen: 0.0.0.0:8053'));
    err.length = 0;
    assert.equal(await checkCommand(file, { out: () => {}, err: (l) => err.push(l) }), 0);
    assert.match(err.join('\n'), /gslb\.yaml:3:\d+ gslb\.listen: warning: the remote backend endpoint listens on 0\.0\.0\.0, not loopback/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

for (const workers of ['1', '2']) {
  test(`fulcrum start runs a dedicated GSLB node (--workers ${workers}); its remote backend answers PowerDNS calls`, async () => {
    const gslbPort = await freePort();
    const adminPort = await freePort();
    const node = await startFulcrumProcess(config(gslbPort, adminPort), 0, 10_000, ['--workers', workers]);
    try {
      await until(() => node.log().includes('gslb remote backend listening'), 10_000, 'the gslb endpoint');
      assert.equal(await call(gslbPort, '/dns/initialize'), true);
      assert.deepEqual(await call(gslbPort, '/dns/getDomainInfo/gslb%2eexample%2etest%2e'), {
        id: 1,
        zone: 'gslb.example.test.',
        kind: 'native',
        serial: ((await call(gslbPort, '/dns/getAllDomains')) as Array<{ serial: number }>)[0]!.serial,
        notified_serial: ((await call(gslbPort, '/dns/getAllDomains')) as Array<{ serial: number }>)[0]!.serial,
        last_check: 0,
        masters: [],
      });
      assert.equal(await call(gslbPort, '/dns/getDomainInfo/example%2eorg%2e'), false);
      const records = await call(gslbPort, '/dns/lookup/www%2egslb%2eexample%2etest%2e/ANY', { 'x-remotebackend-real-remote': '10.2.0.0/16' });
      assert.deepEqual(records, [{ qtype: 'A', qname: 'www.gslb.example.test.', content: '198.51.100.10', ttl: 30, auth: true, scopeMask: 16 }]);
      assert.equal(await call(gslbPort, '/dns/lookup/www%2eexample%2eorg%2e/A'), false, 'a name outside the zone');
      assert.deepEqual(await call(gslbPort, '/dns/lookup/nope%2egslb%2eexample%2etest%2e/ANY'), [], 'a name in the zone without records');
      // a method Fulcrum does not answer: false, and one log line however often it is called
      assert.equal(await call(gslbPort, '/dns/feedRecord/x'), false);
      assert.equal(await call(gslbPort, '/dns/feedRecord/y'), false);
      await until(() => node.log().includes('"method":"feedRecord"'), 3_000, 'the unknown method logged');
      assert.equal(node.log().split('"method":"feedRecord"').length - 1, 1);
      // with workers the admin API listens once they serve, after the gslb endpoint (which the main thread runs)
      await until(() => node.log().includes('admin API listening'), 10_000, 'the admin API');
      const view = (await (await fetch(`http://127.0.0.1:${adminPort}/api/v1/gslb`)).json()) as { zone: string; regions: Array<{ name: string; up: boolean; status: string }> };
      assert.equal(view.zone, 'gslb.example.test');
      assert.deepEqual(
        view.regions.map((r) => [r.name, r.up, r.status]),
        [
          ['eu', true, 'unchecked'],
          ['us', true, 'unchecked'],
        ],
      );
    } finally {
      await node.stop();
    }
    assert.equal(await node.exited, 0);
  });
}

test('examples/gslb/fulcrum-gslb.yaml is valid, and pdns.conf has what docs/gslb.md says', async () => {
  const { readFile } = await import('node:fs/promises');
  const root = new URL('../../../', import.meta.url).pathname;
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(await checkCommand(join(root, 'examples/gslb/fulcrum-gslb.yaml'), { out: (l) => out.push(l), err: (l) => err.push(l) }), 0, err.join('\n'));
  assert.match(out[0]!, /ok \(0 listeners, 0 services, gslb zone gslb\.example\.com\)$/);
  const pdns = await readFile(join(root, 'examples/gslb/pdns.conf'), 'utf8');
  for (const line of ['launch=remote', 'remote-connection-string=http:url=http://127.0.0.1:8053/dns,timeout=2000', 'edns-subnet-processing=yes', 'zone-cache-refresh-interval=0']) {
    assert.ok(pdns.split('\n').includes(line), line);
  }
});
