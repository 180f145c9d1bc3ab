import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, expectErrors, expectValid, listenerAt, minimal, yaml } from './helpers.js';

test('http2 defaults: on for https (ALPN), off for http (h2c is opt-in), bounded settings', () => {
  const config = expectValid(minimal());
  assert.deepEqual(listenerAt(config, 0, 'http').http2, {
    enabled: false,
    maxConcurrentStreams: 100,
    maxHeaderListSize: 16 * 1024,
    maxResetsPerWindow: 100,
    resetWindow: 10_000,
    codec: 'fulcrum',
    initialWindowSize: 65535,
    maxFrameSize: 16384,
  });
  assert.equal(config.services.get('api')!.protocol, undefined);
});

test('http2 settings and a service protocol are read and converted', () => {
  const config = expectValid(
    minimal(
      [
        '    http2: { enabled: true, maxConcurrentStreams: 16, maxHeaderListSize: 8kb, maxResetsPerWindow: 10, resetWindow: 2s, codec: fulcrum, initialWindowSize: 1048576, maxFrameSize: 32768 }',
      ],
      ['    protocol: h2'],
    ),
  );
  assert.deepEqual(listenerAt(config, 0, 'http').http2, {
    enabled: true,
    maxConcurrentStreams: 16,
    maxHeaderListSize: 8192,
    maxResetsPerWindow: 10,
    resetWindow: 2000,
    codec: 'fulcrum',
    initialWindowSize: 1048576,
    maxFrameSize: 32768,
  });
  assert.equal(config.services.get('api')!.protocol, 'h2');
});

test('http2 mistakes are positioned errors', () => {
  const errors = expectErrors(minimal(['    http2: { maxConcurrentStreams: 0, window: 1 }'], ['    protocol: http3']));
  assertError(errors, 'listeners[0].http2.maxConcurrentStreams', '4:36', '≥ 1');
  assert.ok(errors.some((e) => e.path.startsWith('listeners[0].http2') && e.message.includes('window')));
  assert.ok(errors.some((e) => e.path === 'services.api.protocol'));
});

test('a grpc health check takes a service name; other checks refuse it', () => {
  const config = expectValid(minimal([], ['    healthCheck: { type: grpc, service: "echo.Echo", interval: 5s, timeout: 1s }']));
  assert.equal(config.services.get('api')!.healthCheck!.type, 'grpc');
  assert.equal(config.services.get('api')!.healthCheck!.grpcService, 'echo.Echo');
  const whole = expectValid(minimal([], ['    healthCheck: { type: grpc }']));
  assert.equal(whole.services.get('api')!.healthCheck!.grpcService, '');
  const errors = expectErrors(minimal([], ['    healthCheck: { type: tcp, service: x }']));
  assert.ok(errors.some((e) => e.path === 'services.api.healthCheck.service' && e.message.includes('grpc')));
});

void yaml;
