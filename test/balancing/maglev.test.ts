import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildMaglevTable, maglevTableSize, DEFAULT_TABLE_SIZE } from '../../src/balancing/maglev.js';
import { backend } from './helpers.js';

const fleet = (n: number, weight = (_: number) => 1) => Array.from({ length: n }, (_, i) => backend(`10.0.0.${i + 1}:8080`, weight(i)));

function counts(table: Int32Array, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const i of table) out[i]!++;
  return out;
}

describe('maglev', () => {
  it('sizes the table at 65537, or the first prime above 100 × N', () => {
    assert.equal(maglevTableSize(10), DEFAULT_TABLE_SIZE);
    assert.equal(maglevTableSize(655), DEFAULT_TABLE_SIZE);
    assert.equal(maglevTableSize(1000), 100003);
    assert.equal(buildMaglevTable(fleet(3)).length, 65537);
  });

  it('gives every backend a share within 1% of fair at M = 65537', (t) => {
    const table = buildMaglevTable(fleet(10));
    const fair = table.length / 10;
    const c = counts(table, 10);
    t.diagnostic(`entries per backend: ${c.join(' ')} (fair ${fair.toFixed(1)})`);
    for (const x of c) assert.ok(Math.abs(x - fair) / fair < 0.01, `${x} vs ${fair}`);
  });

  it('follows weights within 1%', (t) => {
    const weights = [5, 3, 1, 1];
    const table = buildMaglevTable(fleet(4, (i) => weights[i]!));
    const c = counts(table, 4);
    t.diagnostic(`entries: ${c.join(' ')}`);
    c.forEach((x, i) => assert.ok(Math.abs(x / table.length - weights[i]! / 10) < 0.01));
  });

  it('removing one of 10 backends changes close to the ideal 1/10 of entries', (t) => {
    const ten = fleet(10);
    const before = buildMaglevTable(ten);
    const nine = ten.filter((_, i) => i !== 4);
    const after = buildMaglevTable(nine);
    let changed = 0;
    for (let e = 0; e < before.length; e++) if (ten[before[e]!]!.id !== nine[after[e]!]!.id) changed++;
    const fraction = changed / before.length;
    t.diagnostic(`changed ${changed} of ${before.length} entries = ${(fraction * 100).toFixed(2)}% (ideal 10%)`);
    assert.ok(fraction >= 0.1 - 0.001 && fraction < 0.13, `changed ${(fraction * 100).toFixed(2)}%`);
  });

  it('builds the identical table in two separate processes', () => {
    const moduleUrl = new URL('../../src/balancing/maglev.js', import.meta.url).href;
    const backendUrl = new URL('../../src/pool/backend.js', import.meta.url).href;
    const script = `
      import { buildMaglevTable } from ${JSON.stringify(moduleUrl)};
      import { Backend } from ${JSON.stringify(backendUrl)};
      import { createHash } from 'node:crypto';
      const list = Array.from({ length: 10 }, (_, i) =>
        new Backend({ address: { host: '10.0.0.' + (i + 1), port: 8080 }, weight: 1 + (i % 3), maxConnections: 0 }));
      const table = buildMaglevTable(list);
      process.stdout.write(createHash('sha256').update(new Uint8Array(table.buffer)).digest('hex'));
    `;
    const digests = [1, 2].map(() => {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('.', import.meta.url)),
        encoding: 'utf8',
      });
      assert.equal(child.status, 0, child.stderr);
      return child.stdout;
    });
    const local = buildMaglevTable(fleet(10, (i) => 1 + (i % 3)));
    const mine = createHash('sha256').update(new Uint8Array(local.buffer)).digest('hex');
    assert.match(digests[0]!, /^[0-9a-f]{64}$/);
    assert.equal(digests[0], digests[1]);
    assert.equal(digests[0], mine);
  });

  it('does not depend on the order of the backend list', () => {
    const list = fleet(10);
    const a = buildMaglevTable(list);
    const reversed = [...list].reverse();
    const b = buildMaglevTable(reversed);
    for (let e = 0; e < a.length; e++) assert.equal(list[a[e]!], reversed[b[e]!]);
  });
});
