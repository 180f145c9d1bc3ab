import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import { parseLogFormat } from '../../src/config/log-format.js';

/** `${name}` (written apart so it is not read as a template placeholder) */
const braced = (name: string): string => '$' + '{' + name + '}';

const LISTENERS = 'listeners:\n  - { name: web, address: 127.0.0.1:0, routes: [ { service: app } ] }\nservices:\n  app: { backends: [ { address: 127.0.0.1:1 } ] }\n';

test('an unknown $variable in the access log format is refused at load, at its line, with a suggestion', () => {
  const text = LISTENERS + 'log:\n  access:\n    destination: stdout\n    format: \'$remote_addr "$method $path" $stauts\'\n';
  const result = parseConfigText(text, 'fulcrum.yaml');
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.errors.length, 1);
  const error = result.errors[0]!;
  assert.equal(error.line, 8);
  assert.equal(error.path, 'log.access.format');
  assert.match(error.message, /unknown variable '\$stauts'/);
  assert.match(error.message, /did you mean '\$status'\?/);
  assert.match(formatConfigError(error), /^fulcrum\.yaml:8:/);
});

test('a text format with fields is refused (fields are for json); json and a valid text format load', () => {
  const withFields = parseConfigText(LISTENERS + "log: { access: { format: '$status', fields: [status] } }\n", 'f.yaml');
  assert.equal(withFields.ok, false);
  if (!withFields.ok) assert.match(withFields.errors[0]!.message, /fields apply to format: json/);
  const text = parseConfigText(LISTENERS + `log: { format: json, access: { format: '$status ${braced('bytes_out')}b' } }\n`, 'f.yaml');
  assert.ok(text.ok);
  if (text.ok) {
    assert.equal(text.config.log.access!.format, `$status ${braced('bytes_out')}b`);
    assert.equal(text.config.log.format, 'json');
  }
  const json = parseConfigText(LISTENERS + 'log: { access: {} }\n', 'f.yaml');
  assert.ok(json.ok);
  if (json.ok) assert.equal(json.config.log.access!.format, 'json');
});

test('parseLogFormat: $name, the braced form next to letters, a lone $ is literal', () => {
  assert.deepEqual(parseLogFormat(`a $status ${braced('bytes_out')}b $ 5$`), { ok: true, parts: ['a ', { variable: 'status' }, ' ', { variable: 'bytes_out' }, 'b $ 5$'] });
  const unclosed = parseLogFormat('$' + '{status');
  assert.equal(unclosed.ok, false);
});
