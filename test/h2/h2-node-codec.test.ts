// The `http2: { codec: node }` fallback (node:http2) end to end, so that both codecs stay tested:
// a request to an HTTP/1.1 backend, a POST body, gRPC to an h2 backend, a limit refusal, and the
// GOAWAY of a graceful stop. The same cases run on the own layer in the other files of test/h2/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Fulcrum } from '../../src/fulcrum.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { tempDir } from '../helpers/pki.js';

const ECHO_PROTO = `
syntax = "proto3";
package test;
message Msg { string text = 1; }
service Echo { rpc Unary (Msg) returns (Msg); }`;

interface Msg {
  text: string;
}

type EchoCtor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => grpc.Client & {
  Unary(request: Msg, callback: (error: grpc.ServiceError | null, reply?: Msg) => void): void;
};

let backend: HttpBackend;
let grpcServer: grpc.Server;
let EchoClient: EchoCtor;
let fulcrum: Fulcrum;
let port: number;

const config = (h1: string, grpcPort: number) => yaml`
  listeners:
    - name: web
      address: 127.0.0.1:0
      limits: { maxBodyBytes: 1kb }
      http2: { enabled: true, codec: node }
      routes:
        - { match: { pathPrefix: /test.Echo/ }, service: grpc }
        - { service: app }
  services:
    app: { backends: [ { address: ${h1} } ] }
    grpc: { protocol: h2, backends: [ { address: 127.0.0.1:${grpcPort} } ] }
`;

before(async () => {
  backend = await startHttpBackend();
  const dir = tempDir('fulcrum-node-codec-');
  writeFileSync(join(dir.dir, 'echo.proto'), ECHO_PROTO);
  const echo = (grpc.loadPackageDefinition(protoLoader.loadSync(join(dir.dir, 'echo.proto'), { keepCase: true, defaults: true })).test as grpc.GrpcObject)
    .Echo as grpc.ServiceClientConstructor;
  EchoClient = echo as unknown as EchoCtor;
  grpcServer = new grpc.Server();
  grpcServer.addService(echo.service, {
    Unary: (call: grpc.ServerUnaryCall<Msg, Msg>, callback: grpc.sendUnaryData<Msg>) => callback(null, { text: `echo:${call.request.text}` }),
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  fulcrum = await startFulcrum(config(backend.address, grpcPort));
  port = portOf(fulcrum);
});

after(async () => {
  await fulcrum?.close();
  await backend?.close();
  grpcServer?.forceShutdown();
});

interface Answer {
  status: number;
  body: string;
}

function request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
    stream.on('error', reject);
    stream.end(body);
  });
}

async function withSession<T>(use: (session: http2.ClientHttp2Session) => Promise<T>): Promise<T> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

test('codec node: a GET reaches the HTTP/1.1 backend', async () => {
  const answer = await withSession((s) => request(s, { ':path': '/hello' }));
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'backend GET /hello 0');
});

test('codec node: a POST body is forwarded whole', async () => {
  const body = Buffer.alloc(700, 0x61);
  const answer = await withSession((s) => request(s, { ':method': 'POST', ':path': '/upload' }, body));
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'backend POST /upload 700');
  assert.deepEqual(backend.requests.at(-1)?.body, body);
});

test('codec node: a body above limits.maxBodyBytes is 413, never forwarded whole', async () => {
  const before = backend.requests.length;
  const answer = await withSession((s) => request(s, { ':method': 'POST', ':path': '/too-big' }, Buffer.alloc(4096, 0x62)));
  assert.equal(answer.status, 413);
  assert.equal(
    backend.requests.slice(before).some((r) => r.url === '/too-big' && r.body.length === 4096),
    false,
  );
});

test('codec node: gRPC through to an h2 backend', async () => {
  const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const reply = await new Promise<Msg>((resolve, reject) => client.Unary({ text: 'hi' }, (error, r) => (error ? reject(error) : resolve(r!))));
    assert.equal(reply.text, 'echo:hi');
  } finally {
    client.close();
  }
});

test('codec node: a graceful stop sends GOAWAY; the stream in flight finishes', async () => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    await request(session, { ':path': '/warm' });
    const goaway = new Promise<number>((resolve) => session.once('goaway', (code: number) => resolve(code)));
    const stream = session.request({ ':method': 'POST', ':path': '/in-flight' });
    const answered = new Promise<Answer>((resolve, reject) => {
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
      stream.on('error', reject);
    });
    stream.write('part');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = fulcrum.stop(5000);
    assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
    stream.end('rest');
    const answer = await answered;
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'backend POST /in-flight 8');
    await stopped;
  } finally {
    session.destroy();
  }
});
