// A client at a fixed request rate: some requests over keep-alive connections, some each on a
// new connection. Counts answers, failures (non-2xx or a broken exchange) and refused connections.
import http from 'node:http';

export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  refused: number;
  /** the first few failures, for the assertion message */
  errors: string[];
}

export interface Load {
  stop(): Promise<LoadReport>;
}

/** `rate` requests per second, one in `newConnectionEvery` on a fresh connection. */
export function startLoad(port: number, rate: number, newConnectionEvery = 4): Load {
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const report: LoadReport = { sent: 0, ok: 0, failed: 0, refused: 0, errors: [] };
  let pending = 0;
  let idle: (() => void) | null = null;
  const note = (what: string): void => {
    if (report.errors.length < 10) report.errors.push(what);
  };
  const one = (fresh: boolean): void => {
    report.sent++;
    pending++;
    const done = (): void => {
      pending--;
      if (pending === 0) idle?.();
    };
    const req = http.get({ host: '127.0.0.1', port, path: `/load/${report.sent}`, agent: fresh ? false : keepAlive }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) report.ok++;
        else {
          report.failed++;
          note(`status ${res.statusCode}`);
        }
        done();
      });
      res.on('error', (error) => {
        report.failed++;
        note(`response: ${error.message}`);
        done();
      });
    });
    // an answer that never comes is a failure too, not a hung test
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') report.refused++;
      else report.failed++;
      note(`${error.code ?? ''} ${error.message}`);
      done();
    });
  };
  const tickMs = 10;
  const perTick = (rate * tickMs) / 1000;
  let credit = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    // catch up on the schedule, so a slow tick does not lower the rate
    const due = ((Date.now() - started) / 1000) * rate;
    credit = due - report.sent;
    for (let i = 0; i < Math.floor(Math.max(credit, perTick)) && report.sent < due + 1; i++) one(report.sent % newConnectionEvery === 0);
  }, tickMs);
  return {
    stop: () =>
      new Promise<LoadReport>((resolve) => {
        clearInterval(timer);
        const finish = (): void => {
          keepAlive.destroy();
          resolve(report);
        };
        if (pending === 0) finish();
        else idle = finish;
      }),
  };
}
