// The client of the HA lab, run as a script inside its namespace: one request at a time to URL,
// each on a new connection (as a new visitor would), every INTERVAL ms, giving up on each after
// TIMEOUT ms. Prints one JSON line per request: { t, ok, by } or { t, ok: false, error }.
// Usage: node vip-client.js URL INTERVAL TIMEOUT
import http from 'node:http';

const [url, interval, timeout] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];

function once(): Promise<{ ok: boolean; by?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? { ok: true, by: body } : { ok: false, error: `status ${res.statusCode}` }));
      res.on('error', (error) => resolve({ ok: false, error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ ok: false, error: error.message }));
  });
}

for (;;) {
  const t = Date.now();
  const result = await once();
  process.stdout.write(JSON.stringify({ t, ...result }) + '\n');
  const wait = t + interval - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
