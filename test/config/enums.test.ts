// Each enumeration of the contract is written once (src/config/enums.ts): the schema accepts every
// value where it is used, names them all when refusing another, and the code that lists them agrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCESS_LOG_FIELDS,
  ALGORITHMS,
  COMPRESS_ALGORITHMS,
  HEALTH_CHECK_TYPES,
  LOG_LEVELS,
  PROXY_PROTOCOL_VERSIONS,
  REDIRECT_STATUSES,
  RETRY_CONDITIONS,
  UPSTREAM_PROTOCOLS,
  isLogLevel,
} from '../../src/config/enums.js';
import { balancerFactory } from '../../src/balancing/registry.js';
import { assertError, expectErrors, expectValid, minimal } from './helpers.js';

const service = (...lines: string[]) => minimal([], lines);

test('every algorithm is accepted and has a factory in the balancing registry', () => {
  for (const algorithm of ALGORITHMS) {
    assert.equal(expectValid(service(`    algorithm: ${algorithm}`)).services.get('api')!.algorithm, algorithm);
    assert.equal(typeof balancerFactory(algorithm), 'function', algorithm);
  }
  assertError(expectErrors(service('    algorithm: fastest')), 'services.api.algorithm', '10:16', `expected ${ALGORITHMS.join(' | ')}, got "fastest"`);
});

test('retry conditions, health check types, upstream and PROXY protocols are accepted as listed', () => {
  assert.deepEqual(expectValid(service(`    retries: { on: [${RETRY_CONDITIONS.join(', ')}] }`)).services.get('api')!.retries.on, [...RETRY_CONDITIONS]);
  for (const type of HEALTH_CHECK_TYPES) {
    const needs = type === 'dns' ? ', query: health.example.test' : ''; // a dns check needs the name it asks
    assert.equal(expectValid(service(`    healthCheck: { type: ${type}${needs} }`)).services.get('api')!.healthCheck!.type, type);
  }
  for (const protocol of UPSTREAM_PROTOCOLS) assert.equal(expectValid(service(`    protocol: ${protocol}`)).services.get('api')!.protocol, protocol);
  for (const version of PROXY_PROTOCOL_VERSIONS) assert.equal(expectValid(service(`    proxyProtocol: ${version}`)).services.get('api')!.proxyProtocol, version);
  assertError(expectErrors(service('    retries: { on: [reset] }')), 'services.api.retries.on[0]', '10:21', `expected ${RETRY_CONDITIONS.join(' | ')}, got "reset"`);
});

test('log levels and access log fields are accepted as listed; the CLI checks levels against the same list', () => {
  for (const level of LOG_LEVELS) {
    assert.equal(expectValid(`log: { level: ${level} }\n` + minimal()).log.level, level);
    assert.ok(isLogLevel(level));
  }
  assert.equal(isLogLevel('verbose'), false);
  const config = expectValid(`log: { access: { fields: [${ACCESS_LOG_FIELDS.join(', ')}] } }\n` + minimal());
  assert.deepEqual(config.log.access!.fields, [...ACCESS_LOG_FIELDS]);
});

test('compress algorithms and redirect statuses are accepted as listed', () => {
  const withMiddlewares = (...lines: string[]) => minimal().replace('services:', ['middlewares:', ...lines, 'services:'].join('\n'));
  const config = expectValid(
    withMiddlewares(
      `  gz: { compress: { algorithms: [${COMPRESS_ALGORITHMS.join(', ')}] } }`,
      ...REDIRECT_STATUSES.map((status) => `  r${status}: { redirect: { status: ${status}, scheme: https } }`),
    ),
  );
  const gz = config.middlewares.get('gz');
  assert.ok(gz?.kind === 'compress');
  assert.deepEqual(gz.settings.algorithms, [...COMPRESS_ALGORITHMS]);
  for (const status of REDIRECT_STATUSES) {
    const redirect = config.middlewares.get(`r${status}`);
    assert.ok(redirect?.kind === 'redirect');
    assert.equal(redirect.settings.status, status);
  }
});
