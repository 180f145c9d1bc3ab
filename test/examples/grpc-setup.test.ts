// grpc.yaml doing its job: @grpc/grpc-js greeter servers (with the standard health service the
// example's check calls) behind the example, and a grpc-js client on one channel whose calls are
// spread over both servers, statuses and trailers relayed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { tempDir } from '../helpers/pki.js';
import { runExample } from './example-config.js';

// the greeter of grpc's own "helloworld" examples, which the example's comment names
const PROTO = `
syntax = "proto3";
package helloworld;
service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc SayHelloStream (HelloRequest) returns (stream HelloReply);
}
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
`;
const HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check (HealthCheckRequest) returns (HealthCheckResponse); }`;

interface Hello {
  name?: string;
  message?: string;
}
type GreeterClient = grpc.Client & {
  SayHello(request: Hello, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, reply?: Hello) => void): grpc.ClientUnaryCall;
  SayHelloStream(request: Hello): grpc.ClientReadableStream<Hello>;
};

test('grpc.yaml: unary and streaming calls through Fulcrum, spread per call over both greeters, error statuses relayed', async () => {
  const dir = tempDir('fulcrum-example-grpc-');
  writeFileSync(join(dir.dir, 'helloworld.proto'), PROTO);
  writeFileSync(join(dir.dir, 'health.proto'), HEALTH_PROTO);
  const options = { keepCase: true, defaults: true, enums: String };
  const hello = grpc.loadPackageDefinition(protoLoader.loadSync(join(dir.dir, 'helloworld.proto'), options)).helloworld as grpc.GrpcObject;
  const health = ((grpc.loadPackageDefinition(protoLoader.loadSync(join(dir.dir, 'health.proto'), options)).grpc as grpc.GrpcObject).health as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const Greeter = hello.Greeter as grpc.ServiceClientConstructor;
  const healthChecks = new Map<string, number>();

  const servers: grpc.Server[] = [];
  const ports: number[] = [];
  for (const name of ['greeter-1', 'greeter-2']) {
    const server = new grpc.Server();
    server.addService(Greeter.service, {
      SayHello: (call: grpc.ServerUnaryCall<Hello, Hello>, callback: grpc.sendUnaryData<Hello>) => {
        if (call.request.name === '') return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'name is required' });
        const trailer = new grpc.Metadata();
        trailer.set('x-served-by', name);
        callback(null, { message: `Hello ${call.request.name} from ${name}` }, trailer);
      },
      SayHelloStream: (call: grpc.ServerWritableStream<Hello, Hello>) => {
        for (let i = 0; i < 5; i++) call.write({ message: `${i}: hello ${call.request.name}` });
        call.end();
      },
    });
    server.addService((health.Health as grpc.ServiceClientConstructor).service, {
      Check: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        healthChecks.set(name, (healthChecks.get(name) ?? 0) + 1);
        callback(null, { status: 'SERVING' });
      },
    });
    ports.push(await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)))));
    servers.push(server);
  }
  const example = await runExample('grpc.yaml', { backends: { '127.0.0.1:50051': `127.0.0.1:${ports[0]}`, '127.0.0.1:50052': `127.0.0.1:${ports[1]}` } });
  const client = new Greeter(`127.0.0.1:${example.port('grpc')}`, grpc.credentials.createInsecure()) as unknown as GreeterClient;
  try {
    const sayHello = (name: string) =>
      new Promise<{ error: grpc.ServiceError | null; reply?: Hello; trailers?: grpc.Metadata }>((resolve) => {
        let trailers: grpc.Metadata | undefined;
        const call = client.SayHello({ name }, new grpc.Metadata(), (error, reply) => setImmediate(() => resolve({ error, ...(reply && { reply }), ...(trailers && { trailers }) })));
        call.on('status', (status) => (trailers = status.metadata));
      });
    const servedBy = new Set<string>();
    // one client channel (one HTTP/2 connection); calls in pairs so both backends have work
    for (let i = 0; i < 10; i++) {
      const pair = await Promise.all([sayHello(`fulcrum-${i}`), sayHello(`again-${i}`)]);
      for (const { error, reply, trailers } of pair) {
        assert.equal(error, null);
        assert.match(reply!.message!, /^Hello (fulcrum|again)-\d+ from greeter-[12]$/);
        const by = String(trailers?.get('x-served-by')[0]);
        assert.ok(reply!.message!.endsWith(by), 'the custom trailer came through with grpc-status');
        servedBy.add(by);
      }
    }
    assert.deepEqual([...servedBy].sort(), ['greeter-1', 'greeter-2'], 'calls of one connection are balanced per call');

    const failed = await sayHello('');
    assert.equal(failed.error?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(failed.error?.details, 'name is required');

    const messages: string[] = [];
    const stream = client.SayHelloStream({ name: 'stream' });
    stream.on('data', (m: Hello) => messages.push(m.message!));
    await new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
    assert.deepEqual(
      messages,
      [0, 1, 2, 3, 4].map((i) => `${i}: hello stream`),
    );
    assert.ok((healthChecks.get('greeter-1') ?? 0) >= 1 && (healthChecks.get('greeter-2') ?? 0) >= 1, 'the grpc health check asked both servers');
  } finally {
    client.close();
    await example.close();
    for (const server of servers) server.forceShutdown();
    dir.remove();
  }
});
