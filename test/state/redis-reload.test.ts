// A reload that changes `state` swaps the store behind the running services and middlewares:
// memory → redis (the rate limit's buckets are then in Redis) → memory again; a reload that leaves
// `state` alone keeps the connection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseConfigText } from '../../src/config/index.js';
import { ask, type NamedBackend } from '../helpers/named-backends.js';
import { type Instance, sharedConfig, startBackends, startInstance } from '../helpers/redis-instances.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { parseExposition } from '../helpers/prometheus-format.js';

let redis: RedisServer;
let backends: NamedBackend[];
let instance: Instance;

before(async () => {
  redis = await startRedisServer();
  backends = await startBackends();
});

after(async () => {
  await instance?.fulcrum.close();
  for (const backend of backends ?? []) await backend.close();
  await redis?.close();
});

function configOf(text: string) {
  const parsed = parseConfigText(text, 'reload.yaml');
  assert.ok(parsed.ok);
  return parsed.config;
}

async function storeLabel(): Promise<string | undefined> {
  const exposition = parseExposition(await instance.fulcrum.metrics());
  return exposition.samples.find((s) => s.name === 'fulcrum_state_store_up')?.labels.store;
}

test('memory → redis → memory by reload; an unchanged state section keeps the store', async () => {
  const redisText = sharedConfig(redis.url, backends);
  const memoryText = redisText.replace(/state: \{[^\n]*\}/, 'state: { store: memory }');
  instance = await startInstance(memoryText);
  assert.equal(await storeLabel(), 'memory');
  assert.equal((await ask(instance.port, '/limited/x')).status, 200);
  assert.deepEqual(await redis.command(['KEYS', '*']), []);

  assert.equal((await instance.fulcrum.reload(configOf(redisText))).ok, true);
  assert.equal(await storeLabel(), 'redis');
  const store = instance.fulcrum.stateStore.store;
  assert.equal((await ask(instance.port, '/limited/x')).status, 200);
  assert.deepEqual(await redis.command(['KEYS', 'fulcrum:rl:*']), ['fulcrum:rl:burst10:ip:127.0.0.1'], 'the running middleware now counts in Redis');

  assert.equal((await instance.fulcrum.reload(configOf(redisText.replace('burst: 10 }', 'burst: 11 }')))).ok, true);
  assert.equal(instance.fulcrum.stateStore.store, store, 'state unchanged: the same store (and connection)');

  assert.equal((await instance.fulcrum.reload(configOf(memoryText))).ok, true);
  assert.equal(await storeLabel(), 'memory');
  assert.deepEqual(instance.stateLines(), ['state store connected: state is shared'], 'the redis store was closed without a "down" line');
});
