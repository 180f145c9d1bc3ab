// `state`: where the state instances may share lives (sticky tables and secret, rate-limit buckets,
// per-client connection counts). Defaults beside each field; docs/shared-state.md explains them.
import { z } from 'zod';
import { describeValue, duration } from './values.js';

/** redis:// or rediss:// (TLS), with an optional user:password@ and /database. */
const redisUrl = z.string().superRefine((url, ctx) => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    ctx.addIssue({ code: 'custom', message: `expected a URL like "redis://127.0.0.1:6379", got ${describeValue(url)}` });
    return;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    ctx.addIssue({ code: 'custom', message: `expected a redis:// or rediss:// URL, got ${describeValue(url)}` });
    return;
  }
  if (parsed.hostname === '') ctx.addIssue({ code: 'custom', message: `expected a host in the URL, got ${describeValue(url)}` });
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) ctx.addIssue({ code: 'custom', message: `expected a database number after the host ("/0"), got ${describeValue(url)}` });
});

export const stateSchema = z
  .strictObject({
    store: z.enum(['memory', 'redis']).default('memory'), // memory: this process only; redis: shared by every instance on the same url and keyPrefix
    url: redisUrl.default('redis://127.0.0.1:6379'), // redis only
    keyPrefix: z.string().max(100).default('fulcrum:'), // every key Fulcrum writes starts with it
    // the longest a request waits for the store; slower counts as down (1ms..10s)
    timeout: duration(50).refine((ms) => ms >= 1 && ms <= 10_000, { message: 'expected a timeout between 1ms and 10s' }),
    onError: z.enum(['open', 'closed']).default('open'), // open: answer from local state; closed: 503 where the store is needed
  })
  .prefault({});
