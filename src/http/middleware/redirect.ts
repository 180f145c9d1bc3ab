// `redirect`: answer 301/302/307/308 with a Location built from the request (the query kept).
import type { RedirectConfig } from '../../config/middleware-types.js';
import type { Answer, RequestPhase, Verdict } from './chain.js';
import type { ChainClient, ChainRun } from './run.js';

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

export class RedirectMiddleware implements RequestPhase {
  constructor(
    readonly name: string,
    private readonly settings: RedirectConfig,
  ) {}

  onRequest(run: ChainRun<ChainClient>): Verdict {
    const location = this.location(run);
    const answer: Answer = {
      status: this.settings.status,
      fields: [['Location', location]],
      body: `${this.settings.status} redirect to ${location}\n`,
    };
    return answer;
  }

  location(run: ChainRun<ChainClient>): string {
    const head = run.head;
    const s = this.settings;
    const requestScheme = run.client.peer.proto;
    const [requestHost, requestPort] = splitAuthority(head.authority, requestScheme);
    let url: string;
    if (s.to !== undefined) {
      url = s.to.replaceAll('{scheme}', requestScheme).replaceAll('{host}', requestHost).replaceAll('{port}', String(requestPort)).replaceAll('{path}', head.path);
    } else {
      const scheme = s.scheme ?? requestScheme;
      const host = s.host ?? requestHost;
      // the request's port only carries over when the scheme does
      const port = s.port ?? (s.scheme === undefined || s.scheme === requestScheme ? requestPort : DEFAULT_PORTS[scheme]!);
      const path = s.path === undefined ? head.path : s.path.replaceAll('{path}', head.path);
      url = scheme + '://' + host + (port === DEFAULT_PORTS[scheme] ? '' : ':' + port) + path;
    }
    if (s.keepQuery && head.query !== '') url += (url.includes('?') ? '&' : '?') + head.query;
    return url;
  }
}

/** "example.com:8080" -> ["example.com", 8080]; IPv6 stays bracketed. */
function splitAuthority(authority: string, scheme: string): [string, number] {
  const close = authority.lastIndexOf(']');
  const colon = authority.lastIndexOf(':');
  if (colon > close && colon !== -1) return [authority.slice(0, colon), Number(authority.slice(colon + 1)) || DEFAULT_PORTS[scheme]!];
  return [authority, DEFAULT_PORTS[scheme]!];
}
