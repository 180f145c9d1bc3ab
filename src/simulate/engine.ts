// The discrete-event loop of one run: one variant (an algorithm and its health settings) over a
// scenario's servers, arrivals, costs and events. Requests are slots in typed arrays and events are
// integers in the EventQueue, so a run allocates nothing per request.
import type { PickContext } from '../balancing/balancer.js';
import type { OutlierTimers } from '../health/outlier-detector.js';
import { BalancerInstance } from './balancer-instance.js';
import { meanOf, type Sampler, sampler } from './distributions.js';
import { Arrivals } from './arrivals.js';
import { EventQueue } from './event-queue.js';
import { Histogram } from './histogram.js';
import { Prng } from './prng.js';
import { RequestSlots } from './request-slots.js';
import { expandNames, type Scenario, type VariantSpec } from './scenario-schema.js';
import { SimServer } from './server-model.js';

const ARRIVAL = 0;
const COMPLETE = 1;
const FAIL = 2;
const SCENARIO_EVENT = 3;
const PROBE = 4;
const TICK = 5;
const SYNC = 6;
const SAMPLE = 7;
const TIMER = 8;

/** Time-series points kept per server (in-flight, routed), whatever the run length. */
export const SERIES_POINTS = 240;
const SLOW_START_TICK_MS = 100;

export interface ServerFigures {
  name: string;
  requests: number;
  peakInflight: number;
  meanInflight: number;
}

export interface RunFigures {
  label: string;
  algorithm: string;
  requests: number;
  errors: number;
  latency: Histogram;
  /** mean time spent queued before service, ms */
  meanWait: number;
  servers: ServerFigures[];
  /** time average of (busiest server's in-flight / mean in-flight), over samples with work */
  loadImbalance: number;
  /** share of the first event's server in the `window` after it, over its fair share */
  targetShare: number | null;
  /** share of keys whose server changed at the first membership event (hash algorithms) */
  remapped: number | null;
  /** simulated ms */
  duration: number;
  sampleMs: number;
  /** server name → in-flight at each sample */
  inflightSeries: Map<string, Float32Array>;
  samples: number;
}

export interface RunOptions {
  seed: number;
  requests: number;
}

export function simulate(scenario: Scenario, variant: VariantSpec, label: string, options: RunOptions): RunFigures {
  return new Run(scenario, variant, label, options).run();
}

class Run {
  private readonly queue = new EventQueue(4096);
  private now = 0;
  private readonly servers: SimServer[] = [];
  private readonly byName = new Map<string, SimServer>();
  private readonly lbs: BalancerInstance[] = [];
  private readonly cost: Sampler;
  private readonly costRng: Prng;
  private readonly keyRng: Prng;
  private readonly lbRng: Prng;
  private readonly keys: string[];
  private readonly ctx: PickContext = { clientIp: '', key: '' };
  private readonly latency = new Histogram();
  private waitSum = 0;
  private served = 0;
  private errors = 0;
  private arrived = 0;
  private readonly total: number;

  private readonly slots = new RequestSlots();

  // --- several balancers: own[lb * S + s] requests of lb at s, known[...] what lb believes the others have there
  private own: Int32Array;
  private known: Int32Array;
  private atServer: Int32Array;

  // --- timers for the outlier detector ---
  private readonly timerCallbacks = new Map<number, () => void>();
  private nextTimer = 1;

  // --- time series ---
  private readonly sampleMs: number;
  private samples = 0;
  private readonly series: Float32Array[] = [];
  private imbalanceSum = 0;
  private imbalanceCount = 0;

  // --- first-event figures ---
  private windowStart = Number.POSITIVE_INFINITY;
  private windowEnd = Number.POSITIVE_INFINITY;
  private windowTarget = -1;
  private windowFair = 0;
  private windowTotal = 0;
  private windowHits = 0;
  private remapped: number | null = null;

  private readonly arrivals: Arrivals;

  constructor(
    private readonly scenario: Scenario,
    private readonly variant: VariantSpec,
    private readonly label: string,
    options: RunOptions,
  ) {
    this.total = options.requests;
    const root = new Prng(options.seed);
    this.arrivals = new Arrivals(scenario.arrivals, root.fork());
    this.costRng = root.fork();
    this.keyRng = root.fork();
    this.lbRng = root.fork();
    const balancerRng = root.fork();
    this.cost = sampler(scenario.cost);
    this.keys = Array.from({ length: scenario.keys }, (_, k) => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`);

    for (const spec of scenario.servers) for (const name of expandNames(spec.name, spec.count)) this.addServer(new SimServer(spec, name, this.servers.length, true));
    for (const event of scenario.events) {
      if (event.action === 'join') for (const name of expandNames(event.server.name, event.server.count)) this.addServer(new SimServer(event.server, name, this.servers.length, false));
    }
    const S = this.servers.length;
    const B = scenario.balancers.count;
    this.own = new Int32Array(S * B);
    this.known = new Int32Array(S * B);
    this.atServer = new Int32Array(S);
    for (const _ of this.servers) this.series.push(new Float32Array(SERIES_POINTS));

    const meanRate = this.arrivals.meanRate;
    const expected = this.total / meanRate + meanOf(scenario.cost) * 2;
    this.sampleMs = Math.max(1, expected / SERIES_POINTS);

    const timers: OutlierTimers = {
      set: (callback, delayMs) => {
        const id = this.nextTimer++;
        this.timerCallbacks.set(id, callback);
        this.queue.push(this.now + delayMs, TIMER, id);
        return id;
      },
      clear: (handle) => {
        this.timerCallbacks.delete(handle as number);
      },
    };
    const clock = { now: () => this.now, timers };
    for (let b = 0; b < B; b++) this.lbs.push(new BalancerInstance(variant, this.servers, balancerRng.fork(), clock));
  }

  private addServer(server: SimServer): void {
    this.servers.push(server);
    this.byName.set(server.name, server);
  }

  run(): RunFigures {
    const q = this.queue;
    if (this.total > 0) q.push(this.arrivals.next(0), ARRIVAL);
    this.scenario.events.forEach((event, i) => {
      q.push(event.at, SCENARIO_EVENT, i);
    });
    const check = this.variant.healthCheck;
    if (check !== undefined) this.lbs.forEach((_, b) => q.push((check.interval * (b + 1)) / this.lbs.length, PROBE, b));
    if (this.scenario.balancers.viewRefresh > 0 && this.lbs.length > 1) q.push(this.scenario.balancers.viewRefresh, SYNC);
    q.push(this.sampleMs, SAMPLE);

    while (q.pop()) {
      this.now = q.popTime;
      const a = q.popA;
      switch (q.popKind) {
        case ARRIVAL:
          this.arrive();
          break;
        case COMPLETE:
          if (this.slots.generation[a] === q.popB) this.complete(a);
          break;
        case FAIL:
          if (this.slots.generation[a] === q.popB) this.fail(a, 'connect-failure');
          break;
        case SCENARIO_EVENT:
          this.scenarioEvent(a);
          break;
        case PROBE:
          this.lbs[a]!.probe(this.servers);
          this.keepTicking();
          if (!this.finished()) q.push(this.now + check!.interval, PROBE, a);
          break;
        case TICK:
          this.ticking = false;
          this.tick();
          break;
        case SYNC:
          this.sync();
          if (!this.finished()) q.push(this.now + this.scenario.balancers.viewRefresh, SYNC);
          break;
        case SAMPLE:
          this.sample();
          if (!this.finished() && this.samples < SERIES_POINTS) q.push(this.now + this.sampleMs, SAMPLE);
          break;
        case TIMER: {
          const callback = this.timerCallbacks.get(a);
          if (callback !== undefined) {
            this.timerCallbacks.delete(a);
            callback();
            this.keepTicking();
          }
          break;
        }
      }
      if (this.finished()) break;
    }
    return this.figures();
  }

  private finished(): boolean {
    return this.arrived >= this.total && this.slots.taken === 0;
  }

  private arrive(): void {
    this.arrived++;
    if (this.arrived < this.total) this.queue.push(this.arrivals.next(this.now), ARRIVAL);
    const slot = this.slots.take();
    const lbIndex = this.lbs.length === 1 ? 0 : this.lbRng.below(this.lbs.length);
    const lb = this.lbs[lbIndex]!;
    this.slots.arrival[slot] = this.now;
    this.slots.cost[slot] = this.cost(this.costRng);
    this.slots.balancer[slot] = lbIndex;
    const ctx = this.ctx;
    if (lb.hashing) {
      ctx.key = this.keys[this.keyRng.below(this.keys.length)]!;
      ctx.clientIp = ctx.key;
    }
    const backend = lb.pick(ctx);
    if (backend === undefined) {
      this.errors++;
      this.slots.release(slot);
      return;
    }
    const s = lb.serverIndex(backend);
    const server = this.servers[s]!;
    this.slots.server[slot] = s;
    lb.start(backend);
    this.own[lbIndex * this.servers.length + s]!++;
    this.atServer[s]!++;
    server.requests++;
    server.routedSinceSample++;
    if (this.now >= this.windowStart && this.now < this.windowEnd) {
      this.windowTotal++;
      if (s === this.windowTarget) this.windowHits++;
    }
    if (!server.up) {
      if (this.scenario.failLatency > 0) this.queue.push(this.now + this.scenario.failLatency, FAIL, slot, this.slots.generation[slot]!);
      else this.fail(slot, 'connect-failure');
      return;
    }
    server.account(this.now);
    if (server.busy < server.concurrency) this.begin(slot, server);
    else server.enqueue(slot);
    server.noteInflight();
  }

  private begin(slot: number, server: SimServer): void {
    server.busy++;
    this.slots.started[slot] = this.now;
    this.queue.push(this.now + this.slots.cost[slot]! / server.speed(this.now), COMPLETE, slot, this.slots.generation[slot]!);
  }

  private complete(slot: number): void {
    const s = this.slots.server[slot]!;
    const server = this.servers[s]!;
    server.account(this.now);
    server.busy--;
    const latency = this.now - this.slots.arrival[slot]!;
    this.latency.record(latency);
    this.waitSum += this.slots.started[slot]! - this.slots.arrival[slot]!;
    this.served++;
    this.finish(slot, s, 'success', latency, 200);
    const next = server.dequeue();
    if (next >= 0) this.begin(next, server);
  }

  private fail(slot: number, outcome: 'connect-failure' | 'failure'): void {
    this.errors++;
    this.finish(slot, this.slots.server[slot]!, outcome, this.now - this.slots.arrival[slot]!, 0);
  }

  private finish(slot: number, s: number, outcome: 'success' | 'connect-failure' | 'failure', latency: number, status: number): void {
    const lbIndex = this.slots.balancer[slot]!;
    const lb = this.lbs[lbIndex]!;
    this.own[lbIndex * this.servers.length + s]!--;
    this.atServer[s]!--;
    lb.end(lb.backendOf[s]!, outcome, latency, status);
    this.slots.release(slot);
  }

  private scenarioEvent(i: number): void {
    const event = this.scenario.events[i]!;
    let target: SimServer;
    if (event.action === 'join') {
      const added = expandNames(event.server.name, event.server.count).map((name) => this.byName.get(name)!);
      for (const server of added) {
        server.present = true;
        server.joinedAt = this.now;
      }
      this.changeMembership(added);
      target = added[0]!;
    } else {
      target = this.byName.get(event.server)!;
      switch (event.action) {
        case 'slow':
          target.speedFactor = event.speed;
          break;
        case 'die':
          this.die(target);
          break;
        case 'recover':
          target.up = true;
          break;
        case 'leave':
          target.present = false;
          this.changeMembership([]);
          break;
      }
    }
    if (i === 0) {
      this.windowStart = this.now;
      this.windowEnd = this.now + this.scenario.window;
      this.windowTarget = target.index;
      this.windowFair = 1 / this.servers.filter((s) => s.present).length;
    }
  }

  private changeMembership(added: SimServer[]): void {
    const first = this.lbs[0]!;
    const measure = this.remapped === null && first.hashing;
    let before: Int32Array | undefined;
    if (measure) {
      before = new Int32Array(this.keys.length);
      first.mapping(this.keys, this.ctx, before);
    }
    for (const lb of this.lbs) lb.membership(this.servers, added);
    this.keepTicking();
    if (before !== undefined) {
      const after = new Int32Array(this.keys.length);
      first.mapping(this.keys, this.ctx, after);
      let moved = 0;
      for (let k = 0; k < after.length; k++) if (after[k] !== before[k]) moved++;
      this.remapped = moved / after.length;
    }
  }

  /** A server dies: what it holds fails now, and it refuses what comes next until it recovers. */
  private die(server: SimServer): void {
    server.up = false;
    server.account(this.now);
    for (let slot = 0; slot < this.slots.used; slot++) {
      if (this.slots.server[slot] !== server.index || this.slots.live[slot] === 0) continue;
      this.fail(slot, 'failure');
    }
    while (server.dequeue() >= 0) {}
    server.busy = 0;
  }

  /** Slow start's 100 ms tick, on the simulated clock, for every balancer. */
  private tick(): void {
    for (const lb of this.lbs) lb.tick();
    this.keepTicking();
  }

  /** Schedules the next tick while any ramp runs (one started on a join, a recovery or a return from ejection). */
  private keepTicking(): void {
    if (this.ticking || this.variant.slowStart <= 0) return;
    if (!this.lbs.some((lb) => lb.ramping())) return;
    this.ticking = true;
    this.queue.push(this.now + SLOW_START_TICK_MS, TICK);
  }
  private ticking = false;

  /** Every balancer learns the others' in-flight counts (what it knows of its own is always current). */
  private sync(): void {
    const S = this.servers.length;
    this.lbs.forEach((lb, b) => {
      for (let s = 0; s < S; s++) {
        const backend = lb.backendOf[s];
        if (backend === undefined) continue;
        const others = this.atServer[s]! - this.own[b * S + s]!;
        const delta = others - this.known[b * S + s]!;
        if (delta === 0) continue;
        this.known[b * S + s] = others;
        backend.active += delta;
        backend.inflight += delta;
      }
      const first = lb.service.backends[0];
      if (first !== undefined) first.availabilityEpoch.value++;
    });
  }

  private sample(): void {
    if (this.samples >= SERIES_POINTS) return;
    let max = 0;
    let sum = 0;
    let n = 0;
    for (const server of this.servers) {
      this.series[server.index]![this.samples] = server.inflight;
      server.routedSinceSample = 0;
      if (!server.present || !server.up) continue;
      n++;
      sum += server.inflight;
      if (server.inflight > max) max = server.inflight;
    }
    if (sum > 0) {
      this.imbalanceSum += max / (sum / n);
      this.imbalanceCount++;
    }
    this.samples++;
  }

  private figures(): RunFigures {
    const end = this.now;
    const inflightSeries = new Map<string, Float32Array>();
    for (const server of this.servers) inflightSeries.set(server.name, this.series[server.index]!.subarray(0, this.samples));
    return {
      label: this.label,
      algorithm: this.variant.algorithm,
      requests: this.arrived,
      errors: this.errors,
      latency: this.latency,
      meanWait: this.served === 0 ? 0 : this.waitSum / this.served,
      servers: this.servers.map((s) => ({ name: s.name, requests: s.requests, peakInflight: s.peakInflight, meanInflight: s.meanInflight(end) })),
      loadImbalance: this.imbalanceCount === 0 ? 1 : this.imbalanceSum / this.imbalanceCount,
      targetShare: this.windowTotal === 0 ? null : this.windowHits / this.windowTotal / this.windowFair,
      remapped: this.remapped,
      duration: end,
      sampleMs: this.sampleMs,
      inflightSeries,
      samples: this.samples,
    };
  }
}
