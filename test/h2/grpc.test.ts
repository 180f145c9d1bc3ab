// gRPC through Fulcrum: @grpc/grpc-js as client and as server, h2c in front and `protocol: h2`
// behind. Every RPC shape, trailers (grpc-status and custom ones) relayed, error statuses
// relayed, and the gRPC health-checking protocol as an active health check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Fulcrum } from '../../src/fulcrum.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { tempDir } from '../helpers/pki.js';
import { nextHealthEvent } from '../helpers/health.js';

const ECHO_PROTO = `
syntax = "proto3";
package test;
message Msg { string text = 1; }
service Echo {
  rpc Unary (Msg) returns (Msg);
  rpc ClientStream (stream Msg) returns (Msg);
  rpc ServerStream (Msg) returns (stream Msg);
  rpc Bidi (stream Msg) returns (stream Msg);
}`;

const HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check (HealthCheckRequest) returns (HealthCheckResponse); }`;

interface Msg {
  text: string;
}

type Ctor = new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client & Record<'Unary' | 'ClientStream' | 'ServerStream' | 'Bidi', (...args: unknown[]) => unknown>;

let dir: ReturnType<typeof tempDir>;
let EchoClient: Ctor;
const servers: grpc.Server[] = [];
let fulcrum: Fulcrum;
let port: number;
/** backend name -> what its health service answers */
const serving = new Map<string, 'SERVING' | 'NOT_SERVING'>();

function trailer(key: string, value: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set(key, value);
  return metadata;
}

async function startGrpcBackend(name: string, definitions: { echo: grpc.GrpcObject; health: grpc.GrpcObject }): Promise<number> {
  const server = new grpc.Server();
  const echo = (definitions.echo.test as grpc.GrpcObject).Echo as grpc.ServiceClientConstructor;
  server.addService(echo.service, {
    Unary: (call: grpc.ServerUnaryCall<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) => {
      if (call.request.text === 'fail') {
        callback({ code: grpc.status.NOT_FOUND, details: 'no such thing', metadata: trailer('x-why', 'asked to fail') });
        return;
      }
      callback(null, { text: `${name}:${call.request.text}` }, trailer('x-custom-trailer', `from-${name}`));
    },
    ClientStream: (call: grpc.ServerReadableStream<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) => {
      const texts: string[] = [];
      call.on('data', (m: Msg) => texts.push(m.text));
      call.on('end', () => callback(null, { text: texts.join('+') }));
    },
    ServerStream: (call: grpc.ServerWritableStream<Msg, Msg>) => {
      const n = Number(call.request.text);
      for (let i = 0; i < n; i++) call.write({ text: `item-${i}` });
      call.end(trailer('x-count', String(n)));
    },
    Bidi: (call: grpc.ServerDuplexStream<Msg, Msg>) => {
      call.on('data', (m: Msg) => call.write({ text: m.text.toUpperCase() }));
      call.on('end', () => call.end());
    },
  });
  const health = ((definitions.health.grpc as grpc.GrpcObject).health as grpc.GrpcObject).v1 as grpc.GrpcObject;
  server.addService((health.Health as grpc.ServiceClientConstructor).service, {
    Check: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { status: serving.get(name) ?? 'SERVING' }),
  });
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  servers.push(server);
  return boundPort;
}

before(async () => {
  dir = tempDir('fulcrum-grpc-');
  writeFileSync(join(dir.dir, 'echo.proto'), ECHO_PROTO);
  writeFileSync(join(dir.dir, 'health.proto'), HEALTH_PROTO);
  const options = { keepCase: true, defaults: true, enums: String };
  const definitions = {
    echo: grpc.loadPackageDefinition(protoLoader.loadSync(join(dir.dir, 'echo.proto'), options)),
    health: grpc.loadPackageDefinition(protoLoader.loadSync(join(dir.dir, 'health.proto'), options)),
  };
  EchoClient = (definitions.echo.test as grpc.GrpcObject).Echo as unknown as Ctor;
  const a = await startGrpcBackend('a', definitions);
  const b = await startGrpcBackend('b', definitions);
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes: [ { service: grpc } ]
    services:
      grpc:
        protocol: h2
        backends: [ { address: 127.0.0.1:${a} }, { address: 127.0.0.1:${b} } ]
        healthCheck: { type: grpc, service: "", interval: 300ms, timeout: 200ms, healthyThreshold: 1, unhealthyThreshold: 1 }
  `);
  port = portOf(fulcrum);
});

after(async () => {
  await fulcrum?.close();
  for (const server of servers) server.forceShutdown();
  dir?.remove();
});

function client(): InstanceType<Ctor> {
  return new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

test('unary: the answer, grpc-status 0 and a custom trailer come through', async () => {
  const c = client();
  try {
    for (let i = 0; i < 4; i++) {
      let trailers: grpc.Metadata | undefined;
      const answer = await new Promise<Msg>((resolve, reject) => {
        const call = c.Unary({ text: `hi${i}` }, (error: grpc.ServiceError | null, m: Msg) => (error ? reject(error) : resolve(m))) as grpc.ClientUnaryCall;
        call.on('status', (status: grpc.StatusObject) => (trailers = status.metadata));
      });
      assert.match(answer.text, new RegExp(`^[ab]:hi${i}$`));
      assert.equal(trailers?.get('x-custom-trailer')[0], `from-${answer.text[0]}`);
    }
  } finally {
    c.close();
  }
});

test('an error status is relayed with its details and trailers', async () => {
  const c = client();
  try {
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      c.Unary({ text: 'fail' }, (e: grpc.ServiceError | null) => resolve(e!));
    });
    assert.equal(error.code, grpc.status.NOT_FOUND);
    assert.equal(error.details, 'no such thing');
    assert.equal(error.metadata.get('x-why')[0], 'asked to fail');
  } finally {
    c.close();
  }
});

test('client streaming: every message reaches the server, one answer', async () => {
  const c = client();
  try {
    const answer = await new Promise<Msg>((resolve, reject) => {
      const call = c.ClientStream((error: grpc.ServiceError | null, m: Msg) => (error ? reject(error) : resolve(m))) as grpc.ClientWritableStream<Msg>;
      for (let i = 0; i < 50; i++) call.write({ text: String(i) });
      call.end();
    });
    assert.equal(answer.text, Array.from({ length: 50 }, (_, i) => String(i)).join('+'));
  } finally {
    c.close();
  }
});

test('server streaming: 500 messages in order, then the trailers', async () => {
  const c = client();
  try {
    const call = c.ServerStream({ text: '500' }) as grpc.ClientReadableStream<Msg>;
    const texts: string[] = [];
    const status = await new Promise<grpc.StatusObject>((resolve, reject) => {
      call.on('data', (m: Msg) => texts.push(m.text));
      call.on('status', resolve);
      call.on('error', reject);
    });
    assert.equal(status.code, grpc.status.OK);
    assert.equal(status.metadata.get('x-count')[0], '500');
    assert.equal(texts.length, 500);
    assert.equal(texts[499], 'item-499');
  } finally {
    c.close();
  }
});

test('bidi streaming: each message answered while the stream stays open', async () => {
  const c = client();
  try {
    const call = c.Bidi() as grpc.ClientDuplexStream<Msg, Msg>;
    const answers: string[] = [];
    for (const word of ['alpha', 'beta', 'gamma']) {
      const next = new Promise<Msg>((resolve) => call.once('data', resolve));
      call.write({ text: word });
      answers.push((await next).text); // ping-pong: the answer arrives before the stream ends
    }
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.end();
    assert.deepEqual(answers, ['ALPHA', 'BETA', 'GAMMA']);
    assert.equal((await status).code, grpc.status.OK);
  } finally {
    c.close();
  }
});

test('many concurrent unary calls on one channel', async () => {
  const c = client();
  try {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => new Promise<Msg>((resolve, reject) => c.Unary({ text: String(i) }, (e: grpc.ServiceError | null, m: Msg) => (e ? reject(e) : resolve(m))))),
    );
    assert.equal(answers.length, 200);
    assert.ok(answers.every((m, i) => m.text.endsWith(`:${i}`)));
  } finally {
    c.close();
  }
});

test('the grpc health check marks a NOT_SERVING backend down, and traffic avoids it', async () => {
  const service = fulcrum.services.get('grpc')!;
  const b = service.backends[1]!;
  const down = nextHealthEvent(service, 'unhealthy', b.id, 5_000);
  serving.set('b', 'NOT_SERVING');
  const event = await down;
  assert.match(event.reason, /NOT_SERVING/);
  assert.equal(b.healthy, false);
  const c = client();
  try {
    for (let i = 0; i < 6; i++) {
      const m = await new Promise<Msg>((resolve, reject) => c.Unary({ text: 'x' }, (e: grpc.ServiceError | null, r: Msg) => (e ? reject(e) : resolve(r))));
      assert.equal(m.text, 'a:x');
    }
  } finally {
    c.close();
  }
  const up = nextHealthEvent(service, 'healthy', b.id, 5_000);
  serving.set('b', 'SERVING');
  await up;
});
