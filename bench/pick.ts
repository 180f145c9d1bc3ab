// `npm run bench:pick`: nanoseconds per pick for every balancing algorithm at 3, 100 and
// 1,000 backends, and the bytes each pick allocates. Hash algorithms hash a varied,
// precomputed key on every pick. Two figures per cell: pick alone, and the full cycle the
// data path runs (pick + onStart + onEnd of an earlier request, 32 in flight).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ALGORITHMS, type AlgorithmName } from '../src/config/types.js';
import type { Balancer, PickContext } from '../src/balancing/balancer.js';
import { balancerFactory } from '../src/balancing/registry.js';
import { Backend } from '../src/pool/backend.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SIZES = [3, 100, 1000];
const KEYS = 4096;
const ITERATIONS = Number(process.env.PICK_ITERATIONS ?? 2_000_000);
const ALLOCATION_ITERATIONS = 100_000;
const IN_FLIGHT = 32;

const keys = Array.from({ length: KEYS }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}`);
const latencies = Float64Array.from({ length: KEYS }, (_, i) => 5 + (i % 50));

function fleet(n: number): Backend[] {
  return Array.from({ length: n }, (_, i) => new Backend({ address: { host: `10.1.${i >> 8}.${i & 255}`, port: 8080 }, weight: 1 + (i % 4), maxConnections: 0 }));
}

type Loop = (balancer: Balancer, ctx: PickContext, keys: string[], latencies: Float64Array, n: number) => number;

// Each algorithm gets its own compiled copy of the loops, so one algorithm's call sites
// don't turn megamorphic from another's and skew its figure.
function compileLoops(): { pick: Loop; cycle: Loop } {
  const pick = new Function(
    'balancer',
    'ctx',
    'keys',
    'latencies',
    'n',
    `const empty = [];
     let sink = 0;
     for (let i = 0; i < n; i++) {
       const key = keys[i & ${KEYS - 1}];
       ctx.key = key;
       ctx.clientIp = key;
       const b = balancer.pick(ctx, empty);
       if (b !== undefined) sink += b.port;
     }
     return sink;`,
  ) as Loop;
  const cycle = new Function(
    'balancer',
    'ctx',
    'keys',
    'latencies',
    'n',
    `const empty = [];
     const open = new Array(${IN_FLIGHT}).fill(undefined);
     let sink = 0;
     for (let i = 0; i < n; i++) {
       const key = keys[i & ${KEYS - 1}];
       ctx.key = key;
       ctx.clientIp = key;
       const b = balancer.pick(ctx, empty);
       const slot = i & ${IN_FLIGHT - 1};
       const done = open[slot];
       if (done !== undefined) {
         done.active--;
         done.inflight--;
         if (balancer.onEnd !== undefined) balancer.onEnd(done, 'success', latencies[i & ${KEYS - 1}]);
       }
       open[slot] = b;
       if (b !== undefined) {
         b.active++;
         b.inflight++;
         if (balancer.onStart !== undefined) balancer.onStart(b);
         sink += b.port;
       }
     }
     for (const b of open) if (b !== undefined) { b.active--; b.inflight--; }
     return sink;`,
  ) as Loop;
  return { pick, cycle };
}

function nsPer(loop: Loop, balancer: Balancer, ctx: PickContext): number {
  loop(balancer, ctx, keys, latencies, 200_000); // warm up and let the optimizer settle
  const t0 = process.hrtime.bigint();
  loop(balancer, ctx, keys, latencies, ITERATIONS);
  return Number(process.hrtime.bigint() - t0) / ITERATIONS;
}

/** bytes of heap per pick over a loop short enough that no scavenge runs inside it */
function bytesPer(loop: Loop, balancer: Balancer, ctx: PickContext): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  loop(balancer, ctx, keys, latencies, ALLOCATION_ITERATIONS);
  const after = process.memoryUsage().heapUsed;
  return Math.max(0, after - before) / ALLOCATION_ITERATIONS;
}

interface Row {
  algorithm: AlgorithmName;
  pick: number[];
  cycle: number[];
  bytes: number[];
}

const rows: Row[] = [];
for (const algorithm of ALGORITHMS) {
  const row: Row = { algorithm, pick: [], cycle: [], bytes: [] };
  for (const n of SIZES) {
    const loops = compileLoops();
    const options = { choices: 2, hashBalanceFactor: 150, random: Math.random };
    const ctx: PickContext = { clientIp: '', key: '' };
    row.pick.push(nsPer(loops.pick, balancerFactory(algorithm)(fleet(n), options), ctx));
    row.cycle.push(nsPer(loops.cycle, balancerFactory(algorithm)(fleet(n), options), ctx));
    row.bytes.push(bytesPer(loops.cycle, balancerFactory(algorithm)(fleet(n), options), ctx));
  }
  rows.push(row);
  process.stderr.write('.');
}
process.stderr.write('\n');

const cell = (x: number) => x.toFixed(0).padStart(6);
const header = `${'algorithm'.padEnd(22)}${SIZES.map((n) => `pick@${n}`.padStart(11)).join('')}${SIZES.map((n) => `cycle@${n}`.padStart(12)).join('')}  bytes/cycle (3/100/1000)`;
console.log(`ns per operation, ${ITERATIONS.toLocaleString('en')} iterations, node ${process.version}, hashBalanceFactor 150`);
console.log(header);
for (const row of rows) {
  console.log(
    row.algorithm.padEnd(22) +
      row.pick.map((x) => cell(x).padStart(11)).join('') +
      row.cycle.map((x) => cell(x).padStart(12)).join('') +
      '  ' +
      row.bytes.map((x) => x.toFixed(2)).join(' / '),
  );
}
