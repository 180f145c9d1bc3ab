// Names registered by a library embedder, as config validation sees them: a service's algorithm
// and a `custom` middleware's name, refused with file:line and did-you-mean when nothing registered them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConfigError, parseConfigObject, parseConfigText } from '../../src/config/index.js';

const TEXT = [
  'listeners:',
  '  - { name: web, address: 127.0.0.1:0, routes: [ { middlewares: [auth], service: api } ] }',
  'middlewares:',
  '  auth: { custom: { name: jwt-auth, options: { issuer: me } } }',
  'services:',
  '  api:',
  '    algorithm: fewest-total',
  '    backends: [ { address: 127.0.0.1:9001 } ]',
  '',
].join('\n');

function errorsOf(result: ReturnType<typeof parseConfigText>): string[] {
  return result.ok ? [] : result.errors.map(formatConfigError);
}

test('without registrations (the CLI): both names are refused at their line', () => {
  const errors = errorsOf(parseConfigText(TEXT, 'f.yaml'));
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /^f\.yaml:4:\d+ middlewares\.auth\.custom\.name: no middleware is registered as "jwt-auth": custom middlewares are registered with the library's start/);
  assert.match(errors[1]!, /^f\.yaml:7:16 services\.api\.algorithm: expected round-robin \| .* \| resource, got "fewest-total"$/);
});

test('registered names are accepted, and kept in the loaded config', () => {
  const result = parseConfigText(TEXT, 'f.yaml', { algorithms: ['fewest-total'], middlewares: ['jwt-auth'] });
  assert.ok(result.ok, errorsOf(result).join('\n'));
  assert.equal(result.config.services.get('api')!.algorithm, 'fewest-total');
  const auth = result.config.middlewares.get('auth')!;
  assert.equal(auth.kind, 'custom');
  assert.deepEqual(auth.kind === 'custom' && auth.settings, { name: 'jwt-auth', options: { issuer: 'me' } });
});

test('did-you-mean looks among built-in and registered names, each listed once', () => {
  const typo = TEXT.replace('fewest-total', 'fewest-totl').replace('jwt-auth', 'jwt-aut');
  const errors = errorsOf(parseConfigText(typo, 'f.yaml', { algorithms: ['round-robin', 'fewest-total'], middlewares: ['jwt-auth', 'api-key'] }));
  assert.match(errors[0]!, /registered: jwt-auth, api-key\) \(did you mean 'jwt-auth'\?\)$/);
  assert.match(errors[1]!, /got "fewest-totl" \(did you mean 'fewest-total'\?\)$/);
  assert.equal(errors[1]!.match(/ round-robin \|/g)!.length, 1, 'round-robin listed once');
});

test('an object config: the same checks, positioned by key path', () => {
  const result = parseConfigObject(
    { listeners: [{ name: 'web', address: '127.0.0.1:0', routes: [{ service: 'api' }] }], services: { api: { algorithm: 'magelv', backends: [{ address: '127.0.0.1:1' }] } } },
    '<config object>',
    process.cwd(),
  );
  assert.deepEqual(errorsOf(result), [
    '<config object> services.api.algorithm: expected round-robin | weighted-round-robin | least-connections | least-requests | least-response-time | random | power-of-two | ip-hash | consistent-hash | maglev | resource, got "magelv" (did you mean \'maglev\'?)',
  ]);
});
