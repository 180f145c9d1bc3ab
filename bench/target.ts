// What the measuring loop needs to know about a thing under test.
import type { TargetName } from './options.js';

export interface Target {
  name: TargetName;
  /** Port wrk hits on 127.0.0.1. */
  port: number;
  /** Root pid of the proxy (its process tree is sampled for CPU); undefined for the direct connection. */
  proxyPid?: number;
}
