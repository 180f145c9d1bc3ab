// A reload swaps the gslb zone in one step: new answers at once, the endpoint kept or moved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConfigError, parseConfigText } from '../../src/config/index.js';
import type { FulcrumConfig } from '../../src/config/types.js';
import { Fulcrum } from '../../src/fulcrum.js';
import { yaml } from '../helpers/fulcrum.js';

function configOf(answer: string, withGslb = true): FulcrumConfig {
  const text = yaml`
    listeners: [{ name: web, address: 127.0.0.1:0, protocol: http, routes: [{ service: app }] }]
    services: { app: { backends: [{ address: 127.0.0.1:9 }] } }
  `;
  const gslb = `gslb: { listen: 127.0.0.1:0, zone: example.test, regions: { eu: { answer: [${answer}] } }, names: { www: {} } }\n`;
  const result = parseConfigText(withGslb ? text + gslb : text, 'reload.yaml');
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.config;
}

async function lookup(fulcrum: Fulcrum): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${fulcrum.gslb!.address.port}/dns/lookup/www.example.test./A`);
  return ((await response.json()) as { result: Array<{ content: string }> }).result.map((r) => r.content);
}

test('reload: a changed gslb section answers at once on the same endpoint; a removed one stops', async () => {
  const fulcrum = await Fulcrum.start(configOf('192.0.2.10'));
  try {
    const port = fulcrum.gslb!.address.port;
    assert.deepEqual(await lookup(fulcrum), ['192.0.2.10']);
    const result = await fulcrum.reload(configOf('192.0.2.20'));
    assert.equal(result.ok, true);
    assert.equal(fulcrum.gslb!.address.port, port);
    assert.deepEqual(await lookup(fulcrum), ['192.0.2.20']);
    await fulcrum.reload(configOf('192.0.2.20', false));
    assert.equal(fulcrum.gslb, null);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/dns/initialize`));
  } finally {
    await fulcrum.close();
  }
});

test('reload: a region whose check is unchanged keeps its health (a down region is not re-advertised); panic carries without a second line', async () => {
  const { captureLogger, until } = await import('../helpers/health.js');
  const { startReadyTarget } = await import('./pdns.js');
  const target = await startReadyTarget('127.0.0.5');
  target.ready = false;
  const log = captureLogger();
  const text = (ttl: string) =>
    `gslb: { listen: 127.0.0.1:0, zone: example.test, ttl: ${ttl}, regions: { eu: { answer: [192.0.2.10], check: { url: "${target.url}", interval: 100ms, timeout: 80ms } } }, names: { www: {} } }\n`;
  const load = (ttl: string) => {
    const result = parseConfigText(text(ttl), 'reload.yaml');
    if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
    return result.config;
  };
  const fulcrum = await Fulcrum.start(load('30s'), { logger: log.logger });
  try {
    await until(() => fulcrum.gslb!.panicNames().includes('www'), 3_000, 'www in panic');
    assert.equal((await fulcrum.reload(load('20s'))).ok, true);
    assert.equal(fulcrum.gslb!.config.ttl, 20_000);
    assert.equal(fulcrum.gslb!.regionStates()[0]!.up, false, 'still down right after the reload');
    assert.deepEqual(fulcrum.gslb!.panicNames(), ['www']);
    const lines = log.entries().map((e) => e.msg);
    assert.equal(lines.filter((m) => m.startsWith('gslb panic:')).length, 1, lines.join('\n'));
    assert.equal(lines.filter((m) => m.startsWith('gslb panic over')).length, 0);
    target.ready = true;
    await until(() => fulcrum.gslb!.panicNames().length === 0, 3_000, 'the new probes see it up');
  } finally {
    await fulcrum.close();
    await target.close();
  }
});
