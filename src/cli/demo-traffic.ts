// The demo's background traffic: a few requests a second to the balancer, at a rate that drifts
// slowly up and down, so the dashboard's charts move. Loopback only; stops with stop().
import http from 'node:http';

export interface DemoTraffic {
  stop(): void;
  /** requests sent so far */
  readonly sent: number;
}

const TICK_MS = 100;

/** Sends GET requests to `url` at about `meanRps` (swinging ±60% over a ~40 s period). */
export function startDemoTraffic(url: string, meanRps = 12): DemoTraffic {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const started = Date.now();
  let owed = 0;
  let sent = 0;
  let inflight = 0;
  const paths = ['/', '/api/items', '/api/items/42', '/static/app.css', '/search?q=fulcrum'];
  const timer = setInterval(() => {
    const t = (Date.now() - started) / 1000;
    const rps = meanRps * (1 + 0.6 * Math.sin((2 * Math.PI * t) / 40) + 0.2 * Math.sin((2 * Math.PI * t) / 7));
    owed += (Math.max(0, rps) * TICK_MS) / 1000;
    while (owed >= 1 && inflight < 32) {
      owed--;
      inflight++;
      const req = http.get(url + paths[sent % paths.length], { agent }, (res) => res.resume());
      sent++;
      req.on('close', () => inflight--);
      req.on('error', () => {}); // the demo may be stopping; the next tick tries again
      req.setTimeout(5000, () => req.destroy());
    }
  }, TICK_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      agent.destroy();
    },
    get sent() {
      return sent;
    },
  };
}
