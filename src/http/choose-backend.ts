import type { PickContext } from '../balancing/balancer.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import type { RequestHead } from './h1/request-head.js';
import { RequestKeySource } from './request-values.js';

const NONE: readonly Backend[] = [];

/**
 * The backend for the next attempt of an HTTP request (HTTP/1.1 or an HTTP/2 stream): the
 * sticky one on the first attempt while it is available, else the balancer's pick, with the
 * hash key computed only for algorithms that use one.
 */
export function chooseBackend(
  service: Service,
  head: RequestHead,
  clientIp: string,
  stuckTo: Backend | undefined,
  firstAttempt: boolean,
  tried: readonly Backend[] | null,
): Backend | undefined {
  if (stuckTo !== undefined && firstAttempt && stuckTo.available()) return stuckTo;
  const balancer = service.balancer;
  const ctx: PickContext = { clientIp, key: '' };
  if (balancer.usesKey) ctx.key = service.hashKey(new RequestKeySource(head, clientIp));
  return balancer.pick(ctx, tried ?? NONE);
}
