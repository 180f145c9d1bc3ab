// The routes of a listener, as written. An http or https listener matches requests (host, path,
// method, headers, ...); a tls (passthrough) listener matches the ClientHello (sni, alpn). Each
// refuses the other's conditions, saying why. First match wins; a route without match is the default.
import { z } from 'zod';
import { ignored, refused, refusedEach, withoutUnused } from './key-rules.js';
import { cidr, durationValue, hostPattern, lowerCaseKeys, method, name, oneOrMany, regexSource, sizeValue, valueMatch } from './values.js';

/** What a request is matched by. */
const requestConditions = {
  host: oneOrMany(hostPattern, 'a host name'), // exact or *.example.com
  path: z.string().startsWith('/', 'expected a path starting with "/"'),
  pathPrefix: z.string().startsWith('/', 'expected a path prefix starting with "/"'),
  pathRegex: regexSource,
  method: oneOrMany(method, 'an HTTP method'),
  headers: z.record(z.string(), valueMatch).transform(lowerCaseKeys), // names lower-cased
  query: z.record(z.string(), valueMatch),
  cookie: z.record(z.string(), valueMatch),
  clientIp: oneOrMany(cidr, 'a CIDR'),
};

/** What a ClientHello is matched by. */
const helloConditions = {
  sni: oneOrMany(hostPattern, 'a host name'), // the server name: exact or *.example.com
  alpn: oneOrMany(z.string().min(1).max(255), 'an ALPN protocol id'), // one of the offered protocols
};

const optional = <S extends Record<string, z.ZodType>>(shape: S) =>
  Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.optional()])) as { [K in keyof S]: z.ZodOptional<S[K]> };

export const httpMatchSchema = z
  .strictObject({
    ...optional(requestConditions),
    ...refusedEach(helloConditions, (key) => `'${key}' matches on tls (passthrough) listeners only`),
  })
  .transform(withoutUnused);

export const tlsMatchSchema = z
  .strictObject({
    ...optional(helloConditions),
    ...refusedEach(requestConditions, () => "a tls listener routes by 'sni' and 'alpn' only (it never sees HTTP)"),
  })
  .transform(withoutUnused);

/** A route's own timeouts; each one left out is the service's (`services.X.timeouts`). */
export const routeTimeoutsSchema = z
  .strictObject({
    response: durationValue.optional(), // the service's: until the first byte of the response head
    idle: durationValue.optional(), // the service's: between two reads or writes of a body
  })
  .transform(withoutUnused);

/** A route's own limits; each one left out is the listener's (`listeners[].limits`). */
export const routeLimitsSchema = z
  .strictObject({
    maxBodyBytes: sizeValue.optional(), // the listener's; 413 beyond; 0 = unlimited
  })
  .transform(withoutUnused);

export const httpRouteSchema = z.strictObject({
  name: name.optional(), // none: known by its index; unique in the listener (metrics' route label, access log)
  match: httpMatchSchema.default({}), // none: the default route, matches everything
  middlewares: z.array(name).default([]), // applied in order (semantic.ts checks the names)
  service: name,
  timeouts: routeTimeoutsSchema.optional(), // none: the service's timeouts
  limits: routeLimitsSchema.optional(), // none: the listener's limits
});

export const tlsRouteSchema = z
  .strictObject({
    name: name.optional(), // none: known by its index; unique in the listener
    match: tlsMatchSchema.default({}), // none: matches every ClientHello
    service: name,
    middlewares: ignored(z.array(name)), // always accepted, never applied: the bytes pass through
    timeouts: refused(routeTimeoutsSchema, 'a tls listener passes bytes through: per-route timeouts are for http and https routes'),
    limits: refused(routeLimitsSchema, 'a tls listener passes bytes through: per-route limits are for http and https routes'),
  })
  .transform(withoutUnused);
