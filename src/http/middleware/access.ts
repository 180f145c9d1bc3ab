// Access control per route: CIDR allow/deny lists (checked once per connection), and deny rules on
// path, query or header regexes answered with 403 (a WAF at its simplest).
import type { AccessConfig, DenyConfig } from '../../config/middleware-types.js';
import { CidrSet } from '../../net/cidr.js';
import type { RequestPhase, Verdict } from './chain.js';
import { ConnectionMiddlewareState } from './connection-state.js';
import { textAnswer } from './local-answer.js';
import type { ChainClient, ChainRun } from './run.js';

export class AccessMiddleware implements RequestPhase {
  private readonly allow: CidrSet | null;
  private readonly deny: CidrSet | null;
  private readonly forbidden = textAnswer(403);

  constructor(
    readonly name: string,
    settings: AccessConfig,
  ) {
    this.allow = settings.allow.length > 0 ? new CidrSet(settings.allow) : null;
    this.deny = settings.deny.length > 0 ? new CidrSet(settings.deny) : null;
  }

  allows(ip: string): boolean {
    if (this.deny !== null && this.deny.has(ip)) return false;
    return this.allow === null || this.allow.has(ip);
  }

  onRequest(run: ChainRun<ChainClient>): Verdict {
    const client = run.client;
    // behind a trusted proxy the client IP comes from each request's X-Forwarded-For
    if (client.peer.trusted) return this.allows(run.clientIp) ? null : this.forbidden;
    const state = (client.middlewareState ??= new ConnectionMiddlewareState());
    const verdicts = (state.verdicts ??= new Map());
    let allowed = verdicts.get(this);
    if (allowed === undefined) {
      allowed = this.allows(run.clientIp);
      verdicts.set(this, allowed);
    }
    return allowed ? null : this.forbidden;
  }
}

export class DenyMiddleware implements RequestPhase {
  private readonly path: RegExp[];
  private readonly query: RegExp[];
  private readonly headers: Array<{ name: string; regexes: RegExp[] }>;
  private readonly answer;

  constructor(
    readonly name: string,
    settings: DenyConfig,
  ) {
    this.path = settings.path.map((source) => new RegExp(source));
    this.query = settings.query.map((source) => new RegExp(source));
    this.headers = Object.entries(settings.headers).map(([name, sources]) => ({ name, regexes: sources.map((s) => new RegExp(s)) }));
    this.answer = textAnswer(settings.status);
  }

  onRequest(run: ChainRun<ChainClient>): Verdict {
    const head = run.head;
    if (this.path.length > 0 && matchesEncoded(this.path, head.path)) return this.answer;
    if (this.query.length > 0 && head.query !== '' && matchesEncoded(this.query, head.query)) return this.answer;
    const { lower, values } = head.fields;
    for (const rule of this.headers) {
      for (let i = 0; i < lower.length; i++) {
        if (lower[i] === rule.name && matchesAny(rule.regexes, values[i]!)) return this.answer;
      }
    }
    return null;
  }
}

function matchesAny(regexes: RegExp[], value: string): boolean {
  for (const regex of regexes) if (regex.test(value)) return true;
  return false;
}

/** As sent, and percent-decoded (once) so that encoding a character does not slip past a rule. */
function matchesEncoded(regexes: RegExp[], value: string): boolean {
  if (matchesAny(regexes, value)) return true;
  if (value.indexOf('%') === -1 && value.indexOf('+') === -1) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    decoded = unescape(value);
  }
  return matchesAny(regexes, decoded);
}
