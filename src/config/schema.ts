// The public contract: what users write in fulcrum.yaml (or .json). Every object is strict, so a
// misspelled key is an error rather than a silently ignored setting. Parsing applies the defaults
// (noted beside each field) and converts durations to ms, sizes to bytes, addresses to {host, port}.
// Listeners are in listener-schema.ts, services in service-schema.ts, middlewares in
// middleware-schema.ts; cross-references (a route's service exists, ...) are checked in semantic.ts.
import { z } from 'zod';
import { ACCESS_LOG_FIELDS, LOG_LEVELS } from './enums.js';
import { gslbSchema } from './gslb-schema.js';
import { listenerSchema } from './listener-schema.js';
import { middlewareSchema } from './middleware-schema.js';
import { serviceSchema } from './service-schema.js';
import { stateSchema } from './state-schema.js';
import { parseLogFormat } from './log-format.js';
import { hostPort, name } from './values.js';

export const configSchema = z.strictObject({
  admin: z
    .strictObject({
      address: hostPort.default({ host: '127.0.0.1', port: 9090 }), // 127.0.0.1:9090
      token: z.string().min(1).optional(), // none: the admin API is open to whoever reaches the address
    })
    .prefault({}),
  listeners: z.array(listenerSchema).default([]), // at least one, unless the config is a dedicated GSLB node (gslb alone)
  services: z.record(name, serviceSchema).default({}),
  middlewares: z.record(name, middlewareSchema).default({}), // one kind each (middleware-schema.ts); routes name them
  state: stateSchema, // store: memory; redis shares state between instances (state-schema.ts)
  // workers serving the listeners: a count, or auto (the cores available); none: auto for `fulcrum start`. docs/scaling.md
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).optional(),
  reload: z.strictObject({ watch: z.boolean().default(false) }).prefault({}), // watch: false (SIGHUP and the admin API always reload)
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default('info'), // info
      format: z.enum(['pretty', 'json']).optional(), // process logs; none: pretty on a terminal, else json
      // access log: off unless given; destination stdout | stderr | a file path (appended)
      access: z
        .strictObject({
          destination: z.string().min(1).default('stdout'),
          // json (one object a line, with `fields`) or a text line with $variables (log-format.ts)
          format: z.string().min(1).default('json').superRefine(checkAccessFormat),
          fields: z.array(z.enum(ACCESS_LOG_FIELDS)).min(1).optional(), // json only; none: all
        })
        .superRefine((access, ctx) => {
          if (access.format !== 'json' && access.fields !== undefined)
            ctx.addIssue({ code: 'custom', path: ['fields'], message: 'fields apply to format: json; a text format names its $variables' });
        })
        .transform((access) => ({ ...access, fields: access.fields ?? [...ACCESS_LOG_FIELDS] }))
        .nullable()
        .default(null),
    })
    .prefault({}),
  gslb: gslbSchema.optional(), // none: no GSLB (docs/gslb.md)
});

function checkAccessFormat(format: string, ctx: z.RefinementCtx): void {
  if (format === 'json') return;
  const parsed = parseLogFormat(format);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
}

export type ParsedConfig = z.output<typeof configSchema>;
