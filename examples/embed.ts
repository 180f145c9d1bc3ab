// Fulcrum embedded in a program: a config given as an object, a balancing algorithm and a
// middleware of our own, one request through it, then close. Build with `npm run build` and run
// `node dist/examples/embed.js`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isEligible, start, wasTried, type Backend, type Balancer, type BalancerFactory, type MiddlewareFactory } from 'fulcrum';

/** An algorithm: the available backend that was sent the fewest requests so far. */
const fewestTotal: BalancerFactory = (backends: readonly Backend[]): Balancer => ({
  name: 'fewest-total',
  usesKey: false,
  pick(_ctx, tried) {
    let best: Backend | undefined;
    for (const backend of backends) {
      if (!isEligible(backend) || wasTried(tried, backend)) continue;
      if (best === undefined || backend.total < best.total) best = backend;
    }
    return best;
  },
});

/** A middleware: requests need the configured API key; the backend learns the tenant, the client who served it. */
const apiKey: MiddlewareFactory = (options) => {
  const keys = new Map(Object.entries(options.keys as Record<string, string>));
  return {
    onRequest(request) {
      const tenant = keys.get(request.headers.get('x-api-key') ?? '');
      if (tenant === undefined) return { status: 401, headers: { 'www-authenticate': 'ApiKey' }, body: 'an API key is needed\n' };
      request.headers.delete('x-api-key');
      request.headers.set('x-tenant', tenant);
      return undefined;
    },
    onResponse(response) {
      response.headers.set('x-served-via', 'fulcrum');
    },
  };
};

async function main(): Promise<void> {
  const backend = http.createServer((req, res) => res.end(`hello ${String(req.headers['x-tenant'])}\n`));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;

  const fulcrum = await start({
    config: {
      listeners: [{ name: 'web', address: '127.0.0.1:0', routes: [{ middlewares: ['keys'], service: 'app' }] }],
      middlewares: { keys: { custom: { name: 'api-key', options: { keys: { 'secret-1': 'acme' } } } } },
      services: { app: { algorithm: 'fewest-total', backends: [{ address: `127.0.0.1:${backendPort}` }] } },
    },
    algorithms: { 'fewest-total': fewestTotal },
    middlewares: { 'api-key': apiKey },
  });

  const refused = await fetch(fulcrum.url('web') + '/');
  console.log('without a key:', refused.status);
  const response = await fetch(fulcrum.url('web') + '/', { headers: { 'x-api-key': 'secret-1' } });
  console.log('with a key:', response.status, (await response.text()).trim(), 'via', response.headers.get('x-served-via'));
  const [app] = fulcrum.services();
  console.log('service', app?.name, 'algorithm', app?.algorithm, 'requests', app?.backends[0]?.totalRequests);

  await fulcrum.close();
  backend.close();
}

await main();
