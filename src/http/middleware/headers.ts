// `headers`: set, add and remove request fields (before the request goes upstream) and response
// fields (backend responses and Fulcrum's own answers).
import type { HeaderOps, HeadersConfig } from '../../config/middleware-types.js';
import type { FieldList } from '../h1/fields.js';
import type { RequestPhase, ResponsePhase, Verdict } from './chain.js';
import { removeField, setField } from './field-ops.js';
import type { ChainClient, ChainRun } from './run.js';

interface CompiledOps {
  remove: string[];
  set: Array<{ name: string; lower: string; value: string }>;
  add: Array<{ name: string; lower: string; value: string }>;
}

function compileOps(ops: HeaderOps): CompiledOps {
  return {
    remove: ops.remove.map((name) => name.toLowerCase()),
    set: ops.set.map(([name, value]) => ({ name, lower: name.toLowerCase(), value })),
    add: ops.add.map(([name, value]) => ({ name, lower: name.toLowerCase(), value })),
  };
}

const isEmpty = (ops: CompiledOps) => ops.remove.length === 0 && ops.set.length === 0 && ops.add.length === 0;

/** remove, then set, then add: a rule can replace a field and add a second value to another. */
function apply(ops: CompiledOps, fields: FieldList): void {
  for (const name of ops.remove) removeField(fields, name);
  for (const op of ops.set) setField(fields, op.name, op.lower, op.value);
  for (const op of ops.add) fields.push(op.name, op.lower, op.value);
}

export class HeadersMiddleware implements RequestPhase, ResponsePhase {
  private readonly request: CompiledOps;
  private readonly response: CompiledOps;

  constructor(
    readonly name: string,
    settings: HeadersConfig,
  ) {
    this.request = compileOps(settings.request);
    this.response = compileOps(settings.response);
  }

  get hasRequestOps(): boolean {
    return !isEmpty(this.request);
  }

  get hasResponseOps(): boolean {
    return !isEmpty(this.response);
  }

  onRequest(run: ChainRun<ChainClient>): Verdict {
    const head = run.head;
    apply(this.request, head.fields);
    // Host is sent from the authority: a rule that sets it changes what the backend sees
    const host = head.fields.get('host');
    if (host !== undefined && host !== head.authority) head.authority = host;
    return null;
  }

  onResponseHead(_run: ChainRun<ChainClient>, _status: number, fields: FieldList): void {
    apply(this.response, fields);
  }
}
