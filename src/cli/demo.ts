import { parseConfigText, formatConfigError } from '../config/index.js';
import { Fulcrum } from '../fulcrum.js';
import { createLogger } from '../observe/logger.js';
import { startDemoBackends, type DemoBackend } from './demo-backends.js';
import { startDeepBackend, startDemoDependency } from './demo-dependency.js';
import { stopOnSignals } from './stop-signals.js';
import { AdminServer } from '../admin/server.js';
import { startDemoTraffic, type DemoTraffic } from './demo-traffic.js';

/** The demo's config: the same YAML a user would write, so the demo exercises the real path. */
export function demoConfigYaml(port: number, backends: readonly DemoBackend[]): string {
  return `
listeners:
  - name: web
    address: 127.0.0.1:${port}
    protocol: http
    routes:
      - service: demo
services:
  demo:                   # no algorithm: weighted round robin, in turn at equal weights; honours slow start
    backends:
${backends.map((b) => `      - { name: ${b.name}, address: 127.0.0.1:${b.port} }`).join('\n')}
    healthCheck: { type: http, path: /healthz, interval: 1s, timeout: 500ms, healthyThreshold: 2, unhealthyThreshold: 2 }
    passiveHealth: { maxFails: 3, failTimeout: 10s }
    slowStart: 10s
log: { level: info }
`;
}

/** `fulcrum demo`: demo backends and a balancer in front of them, no file needed. */
export async function demoCommand(options: { port?: number; traffic?: boolean }): Promise<void> {
  const dependency = await startDemoDependency();
  const backends = [...(await startDemoBackends()), await startDeepBackend('delta', dependency)];
  const stopBackends = async (): Promise<void> => {
    await Promise.all([...backends, dependency].map((b) => new Promise((resolve) => b.server.close(resolve))));
  };
  const port = options.port ?? 8080;
  const result = parseConfigText(demoConfigYaml(port, backends), 'fulcrum demo');
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  let fulcrum: Fulcrum;
  try {
    fulcrum = await Fulcrum.start(result.config, { logger: createLogger('warn') });
  } catch (error) {
    await stopBackends();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} is in use: try \`fulcrum demo --port 8081\``);
    throw error;
  }
  process.title = 'fulcrum';
  const admin = await startDemoAdmin(fulcrum);
  const url = fulcrum.url('web');
  const traffic: DemoTraffic | null = options.traffic === false ? null : startDemoTraffic(url);
  stopOnSignals(fulcrum, async () => {
    traffic?.stop();
    await Promise.all([admin.close(), stopBackends()]);
  });
  const adminUrl = `http://${admin.address().address}:${admin.address().port}`;
  console.log(
    [
      '',
      '  Fulcrum demo is running',
      '',
      `  balancer    ${url}/   (round robin over ${backends.length} backends)`,
      ...backends.map((b) => `  backend     ${b.name.padEnd(8)} http://127.0.0.1:${b.port}/  (answers after ${b.delayMs} ms)`),
      `  dependency  http://127.0.0.1:${dependency.port}/  (delta's /healthz checks it: a deep health check)`,
      '',
      `  dashboard   ${adminUrl}/`,
      `  admin API   ${adminUrl}/api/v1/services   and   ${adminUrl}/metrics`,
      traffic === null ? '  traffic     none (--no-traffic)' : '  traffic     about 12 requests a second in the background, so the charts move (--no-traffic turns it off)',
      '',
      `  try:        curl ${url}/        (run it a few times: each answer names its backend)`,
      `              curl -X POST http://127.0.0.1:${dependency.port}/toggle   (dependency down: delta leaves rotation in ~2 s; again: it ramps back in)`,
      `              wrk -c 20 -d 5s ${url}/`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

/** The admin API and dashboard on loopback: 127.0.0.1:9090, or a free port when that one is taken. */
async function startDemoAdmin(fulcrum: Fulcrum): Promise<AdminServer> {
  const preferred = fulcrum.config.admin.address;
  let admin = new AdminServer(fulcrum);
  try {
    await admin.listen(preferred);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    admin = new AdminServer(fulcrum);
    await admin.listen({ ...preferred, port: 0 });
  }
  return admin;
}
