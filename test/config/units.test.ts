import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSize } from '../../src/config/units.js';
import { isValidCidr, parseHostPort } from '../../src/config/net.js';
import { closestMatch } from '../../src/config/suggest.js';

test('durations: units, compound values and plain milliseconds', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('5s'), 5_000);
  assert.equal(parseDuration('1.5s'), 1_500);
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration(1500), 1500);
  assert.equal(parseDuration(0), 0);
  for (const bad of ['5 seconds', '5', 's', '-1s', '', '5sec', -1, Infinity, null, true]) {
    assert.equal(parseDuration(bad), undefined, String(bad));
  }
});

test('sizes: binary units, case-insensitive, plain bytes', () => {
  assert.equal(parseSize('16kb'), 16 * 1024);
  assert.equal(parseSize('10MB'), 10 * 1024 * 1024);
  assert.equal(parseSize('1gb'), 1024 ** 3);
  assert.equal(parseSize('512b'), 512);
  assert.equal(parseSize(4096), 4096);
  assert.equal(parseSize(0), 0);
  for (const bad of ['16 kilobytes', '16k', 'kb', -1, 1.5, null]) assert.equal(parseSize(bad), undefined, String(bad));
});

test('addresses: host:port, [v6]:port, port 0..65535', () => {
  assert.deepEqual(parseHostPort('0.0.0.0:8080'), { ok: true, value: { host: '0.0.0.0', port: 8080 } });
  assert.deepEqual(parseHostPort('localhost:0'), { ok: true, value: { host: 'localhost', port: 0 } });
  assert.deepEqual(parseHostPort('[::1]:9090'), { ok: true, value: { host: '::1', port: 9090 } });
  assert.deepEqual(parseHostPort('[::]:65535'), { ok: true, value: { host: '::', port: 65535 } });
  for (const bad of ['10.0.0.1', ':80', '::1:80', '[::1]', 'a b:80', 'host:65536', '[10.0.0.1]:80', 'host:-1']) {
    assert.equal(parseHostPort(bad).ok, false, bad);
  }
});

test('CIDRs: IPv4 and IPv6 blocks and single addresses', () => {
  for (const good of ['10.0.0.0/8', '0.0.0.0/0', '192.168.1.1', 'fd00::/8', '::1', '::1/128']) assert.ok(isValidCidr(good), good);
  for (const bad of ['10.0.0.0/33', '10.0.0/8', 'fd00::/129', 'x/8', '10.0.0.0/8/1', '10.0.0.0/']) assert.ok(!isValidCidr(bad), bad);
});

test('did-you-mean picks a close candidate and nothing for unrelated words', () => {
  assert.equal(closestMatch('adress', ['name', 'address', 'protocol']), 'address');
  assert.equal(closestMatch('Servce', ['service', 'routes']), 'service');
  assert.equal(closestMatch('db', ['api', 'web']), undefined);
});

test('addresses: an IPv4 literal must be one (no 300.1.1.1, 1.2.3 or leading zeros passing as a host name)', () => {
  for (const bad of ['300.1.1.1:80', '1.2.3:80', '01.2.3.4:80', '1.2.3.04:80', '256.0.0.1:80', '1.2.3.4.5:80', 'host.1:80']) {
    const parsed = parseHostPort(bad);
    assert.equal(parsed.ok, false, bad);
    assert.match(parsed.ok ? '' : parsed.message, /not a valid IPv4 address/, bad);
  }
  for (const good of ['1.2.3.4:80', '0.0.0.0:0', 'a1.example:80', '1a.example:80', 'web-1:80']) assert.equal(parseHostPort(good).ok, true, good);
});
