import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorityHostEnd, hostOf, isIpv4 } from '../../src/http/authority.js';

test('valid authorities: reg-name, IPv4, IPv6, IPvFuture, with an optional port', () => {
  const cases: Array<[string, string]> = [
    ['a', 'a'],
    ['Example.COM', 'example.com'],
    ['a:80', 'a'],
    ['a:0', 'a'],
    ['a:65535', 'a'],
    ['1.2.3.4:8080', '1.2.3.4'],
    ['300.1.1.1', '300.1.1.1'], // a reg-name by RFC 3986 (not an IPv4address)
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['a%41b', 'a%41b'],
    ['[::1]', '[::1]'],
    ['[::1]:443', '[::1]'],
    ['[::]', '[::]'],
    ['[1::]', '[1::]'],
    ['[2001:DB8::1]', '[2001:db8::1]'],
    ['[1:2:3:4:5:6:7:8]', '[1:2:3:4:5:6:7:8]'],
    ['[::ffff:192.0.2.1]:80', '[::ffff:192.0.2.1]'],
    ['[v1.fe80::a+en1]', '[v1.fe80::a+en1]'],
  ];
  for (const [value, host] of cases) {
    const end = authorityHostEnd(value);
    assert.notEqual(end, -1, value);
    assert.equal(hostOf(value, end), host, value);
  }
});

test('invalid authorities are refused', () => {
  const bad = [
    '',
    '[::1', // unclosed IP-literal
    '[::1]x',
    '[::1]:',
    'a:1:2', // two ports
    'a:70000', // port over 65535
    'a:123456', // six digits
    'a:', // empty port
    ':80', // no host
    'a:8x',
    'user@a', // userinfo
    'user:pw@a:80',
    'a b',
    'a[b]',
    'a%4',
    'a%zz',
    '[]',
    '[1:2:3:4:5:6:7:8:9]',
    '[1:2:3:4:5:6:7]',
    '[1::2::3]',
    '[12345::1]',
    '[::1%25eth0]', // zone identifiers are not in RFC 3986
    '[::ffff:300.0.2.1]',
    '[1:]',
    '[v1.]',
    '[vx.a]',
    'caf\u00e9',
  ];
  for (const value of bad) assert.equal(authorityHostEnd(value), -1, JSON.stringify(value));
});

test('IPv4 literals: four parts 0-255, no leading zeros', () => {
  for (const good of ['0.0.0.0', '1.2.3.4', '255.255.255.255', '10.0.1.10']) assert.ok(isIpv4(good, 0, good.length), good);
  for (const bad of ['300.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1..2.3', '1.2.3.', '1.2.3.4 ', '256.0.0.0', '1.2.3.1234']) {
    assert.ok(!isIpv4(bad, 0, bad.length), bad);
  }
});
