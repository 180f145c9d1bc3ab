import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { prettyLine } from '../../src/observe/pretty-log.js';

test('pretty process log lines: time, level, message, then the fields as key=value', () => {
  const lines: string[] = [];
  const logger = pino({ base: { service: 'fulcrum' } }, { write: (line: string) => void lines.push(prettyLine(line, false)) });
  logger.warn({ serviceName: 'api', backend: '10.0.1.10:8080', reason: 'connect refused' }, 'backend unhealthy');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN {2}backend unhealthy {2}serviceName=api {2}backend=10\.0\.1\.10:8080 {2}reason="connect refused"\n$/);
  assert.equal(prettyLine('not json', false), 'not json');
  assert.ok(prettyLine(JSON.stringify({ level: 50, time: 0, msg: 'x' }), true).includes('\x1b[31mERROR\x1b[0m x'));
});
