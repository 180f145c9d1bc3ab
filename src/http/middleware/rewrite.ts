// `rewrite`: change the path sent upstream (the query is kept): strip a prefix, or a regex replace.
import type { RewriteConfig } from '../../config/middleware-types.js';
import type { RequestPhase, Verdict } from './chain.js';
import type { ChainClient, ChainRun } from './run.js';
import type { RequestHead } from '../h1/request-head.js';

export class RewriteMiddleware implements RequestPhase {
  private readonly prefix: string | null;
  private readonly regex: RegExp | null;
  private readonly replacement: string;

  constructor(
    readonly name: string,
    settings: RewriteConfig,
  ) {
    if ('stripPrefix' in settings) {
      // "/api/" and "/api" strip the same: the path keeps its leading slash
      this.prefix = settings.stripPrefix.endsWith('/') && settings.stripPrefix.length > 1 ? settings.stripPrefix.slice(0, -1) : settings.stripPrefix;
      this.regex = null;
      this.replacement = '';
    } else {
      this.prefix = null;
      this.regex = new RegExp(settings.regex);
      this.replacement = settings.replacement;
    }
  }

  onRequest(run: ChainRun<ChainClient>): Verdict {
    const head = run.head;
    const path = head.path;
    let next: string;
    if (this.prefix !== null) {
      const prefix = this.prefix;
      if (!path.startsWith(prefix)) return null;
      if (path.length === prefix.length) next = '/';
      else if (path.charCodeAt(prefix.length) === 0x2f || prefix === '/') next = path.slice(prefix.length);
      else return null; // "/apix" is not under "/api"
      if (next.charCodeAt(0) !== 0x2f) next = '/' + next;
    } else {
      next = path.replace(this.regex!, this.replacement);
      if (next.charCodeAt(0) !== 0x2f) next = '/' + next;
    }
    setPath(head, next);
    return null;
  }
}

export function setPath(head: RequestHead, path: string): void {
  if (head.clientPath === '') head.clientPath = head.path;
  head.path = path;
  head.target = head.query === '' ? path : path + '?' + head.query;
}
