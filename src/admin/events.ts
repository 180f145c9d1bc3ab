// GET /api/v1/events: Server-Sent Events pushing the dashboard's snapshot after every live-stats
// sample (about every second): services, backends with their state and live numbers, and the
// chart series of the last minutes. Token-protected like the rest of the API (Authorization
// header); the dashboard reads it with fetch() streaming, so the token never goes in a URL.
import type http from 'node:http';
import type { Fulcrum } from '../fulcrum.js';
import { backendKey, type LiveStats } from '../observe/live-stats.js';
import { serviceView } from './views.js';

/** The dashboard's snapshot: what /api/v1/events sends as `data:` of each `snapshot` event. */
export function liveSnapshot(fulcrum: Fulcrum, live: LiveStats): object {
  const times = live.timeline().map((ms) => Math.round(ms / 100) / 10); // seconds, as uPlot wants them
  return {
    time: new Date(live.latestAt || Date.now()).toISOString(),
    intervalMs: live.intervalMs,
    windowSeconds: (live.window * live.intervalMs) / 1000,
    services: [...fulcrum.services.values()].map((service) => {
      const view = serviceView(fulcrum, service) as { backends: { address: string }[] };
      return {
        ...view,
        live: round(live.service(service.name)),
        backends: view.backends.map((b) => ({ ...b, live: round(live.backend(service.name, b.address)) })),
        series: {
          time: times,
          ...roundSeries(live.series(service.name)),
          backends: Object.fromEntries(view.backends.map((b) => [b.address, roundArray(live.series(backendKey(service.name, b.address)).rps)])),
        },
      };
    }),
  };
}

/** Streams snapshots to one client until it goes away. */
export function streamEvents(req: http.IncomingMessage, res: http.ServerResponse, fulcrum: Fulcrum, live: LiveStats): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // no buffering in a proxy in front of the admin port
  });
  res.write(`retry: 2000\n\n`);
  const send = (): void => {
    // a client that does not read: skip snapshots rather than buffer them
    if (res.writableNeedDrain) return;
    res.write(`event: snapshot\ndata: ${JSON.stringify(liveSnapshot(fulcrum, live))}\n\n`);
  };
  send();
  const unsubscribe = live.onSample(send);
  req.socket.setTimeout(0);
  res.on('close', unsubscribe);
}

type Numbers = Record<string, number | null>;

function round<T extends object>(numbers: T): T {
  const out: Numbers = {};
  for (const [k, v] of Object.entries(numbers)) out[k] = typeof v === 'number' ? roundNumber(v) : v;
  return out as T;
}

function roundSeries<T extends object>(series: T): T {
  const out: Record<string, (number | null)[]> = {};
  for (const [k, v] of Object.entries(series)) out[k] = roundArray(v as (number | null)[]);
  return out as T;
}

function roundArray(values: (number | null)[]): (number | null)[] {
  return values.map((v) => (v === null ? null : roundNumber(v)));
}

/** Four significant digits are plenty for a chart and keep the stream small. */
function roundNumber(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(4));
}
