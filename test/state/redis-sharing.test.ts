// Two Fulcrum instances on one redis-server share their state: one rate limit (the burst is spent
// across both), the sticky cookie secret (a cookie A issued is honoured by B), and the client-IP
// stickiness table.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { ask, type NamedBackend } from '../helpers/named-backends.js';
import { type Instance, sharedConfig, startBackends, startInstance, storeMetrics, until } from '../helpers/redis-instances.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

describe('two instances sharing state in Redis', () => {
  let redis: RedisServer;
  let backends: NamedBackend[];
  let a: Instance;
  let b: Instance;

  before(async () => {
    redis = await startRedisServer();
    backends = await startBackends();
    const config = sharedConfig(redis.url, backends);
    a = await startInstance(config);
    b = await startInstance(config);
  });

  after(async () => {
    await a?.fulcrum.close();
    await b?.fulcrum.close();
    for (const backend of backends ?? []) await backend.close();
    await redis?.close();
  });

  test('both are connected: fulcrum_state_store_up is 1, no errors, one "connected" line each', async () => {
    for (const instance of [a, b]) {
      assert.deepEqual(await storeMetrics(instance.fulcrum), { up: 1, errors: 0 });
      assert.deepEqual(instance.stateLines(), ['state store connected: state is shared']);
    }
  });

  test('one rate limit: a burst of 10 is spent across both (20 requests alternating: 10 pass, then 429 on either)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await ask(i % 2 === 0 ? a.port : b.port, '/limited/x', { localAddress: '127.0.0.31' })).status);
    assert.deepEqual(statuses, [...Array<number>(10).fill(200), ...Array<number>(10).fill(429)]);
    const refused = await ask(b.port, '/limited/x', { localAddress: '127.0.0.31' });
    assert.equal(refused.headers['ratelimit-limit'], '10');
    assert.ok(Number(refused.headers['retry-after']) > 60, 'at 1/h the next token is minutes away');
    const other = await ask(a.port, '/limited/x', { localAddress: '127.0.0.32' });
    assert.equal(other.status, 200, 'another client has a bucket of its own');
    assert.equal(other.headers['ratelimit-remaining'], '9');
  });

  test('a sticky cookie issued by A is honoured by B (the secret is shared), and B issues the same values', async () => {
    const first = await ask(a.port, '/page');
    const setCookie = (first.headers['set-cookie'] as string[] | undefined)?.[0];
    assert.ok(setCookie !== undefined, 'A set the cookie');
    const cookie = setCookie.split(';')[0]!;
    for (let i = 0; i < 9; i++) {
      const answer = await ask(i % 2 === 0 ? b.port : a.port, '/page', { headers: { cookie } });
      assert.equal(answer.name, first.name, `request ${i} went to the backend the cookie names`);
      assert.equal(answer.headers['set-cookie'], undefined, 'no new cookie for a request that was sticky');
    }
    const fromB = new Map<string, string>();
    for (let i = 0; i < 6; i++) {
      const answer = await ask(b.port, '/page');
      fromB.set(answer.name, (answer.headers['set-cookie'] as string[])[0]!.split(';')[0]!);
    }
    assert.equal(fromB.get(first.name), cookie, "B's cookie for that backend is A's");
  });

  test('client-IP stickiness holds across both instances', async () => {
    for (const client of ['127.0.0.41', '127.0.0.42', '127.0.0.43']) {
      const first = await ask(a.port, '/ip/x', { localAddress: client });
      assert.equal(first.status, 200);
      // A remembers the choice in Redis after answering: wait until Redis has it
      await until(async () => (await redis.command(['GET', `fulcrum:sticky:byIp:ip:${client}`])) === backends.find((x) => x.name === first.name)!.address, 'the choice reached Redis');
      for (let i = 0; i < 6; i++) {
        const answer = await ask(i % 2 === 0 ? b.port : a.port, '/ip/x', { localAddress: client });
        assert.equal(answer.name, first.name, `${client}: request ${i} stuck to ${first.name}`);
      }
    }
  });

  test("maxConnectionsPerClient counts the client's connections on both instances; a closed one gives its slot back", async () => {
    const client = '127.0.0.51';
    const agents = [0, 1, 2, 3].map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      assert.equal((await ask(a.port, '/conn/1', { agent: agents[0]!, localAddress: client })).status, 200);
      assert.equal((await ask(b.port, '/conn/2', { agent: agents[1]!, localAddress: client })).status, 200);
      const third = await ask(a.port, '/conn/3', { agent: agents[2]!, localAddress: client });
      assert.equal(third.status, 429, 'one on A and one on B: a third is over the cap of 2');
      assert.equal((await ask(b.port, '/conn/1b', { agent: agents[0]!, localAddress: client })).status, 429, 'and on B too');
      assert.equal((await ask(a.port, '/conn/1c', { agent: agents[0]!, localAddress: client })).status, 200, 'a counted connection goes on');
      agents[0]!.destroy();
      await until(async () => (await ask(b.port, '/conn/4', { agent: agents[3]!, localAddress: client })).status === 200, 'the closed connection gave its slot back');
    } finally {
      for (const agent of agents) agent.destroy();
    }
  });

  test('HTTP/2 streams spend the same bucket: an h2c instance and an HTTP/1.1 one share a burst of 4', async () => {
    const h2 = await startInstance(sharedConfig(redis.url, backends).replace('address: 127.0.0.1:0', 'address: 127.0.0.1:0\n    http2: { enabled: true }'));
    const session = http2.connect(`http://127.0.0.1:${h2.port}`);
    try {
      const stream = (): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = session.request({ ':path': '/user/x', 'x-user': 'h2-and-h1' });
          req.on('response', (headers) => resolve(Number(headers[':status'])));
          req.on('error', reject);
          req.resume();
          req.end();
        });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push(i % 2 === 0 ? await stream() : (await ask(a.port, '/user/x', { headers: { 'x-user': 'h2-and-h1' } })).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
    } finally {
      session.close();
      await h2.fulcrum.close();
    }
  });
});
