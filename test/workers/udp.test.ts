// udp under workers: 2. With threads every worker binds the port with SO_REUSEPORT (the kernel keeps
// a client's datagrams on one socket), so udp sessions spread over the workers; worker processes
// (node:cluster shares no udp port) serve udp from worker 0. Either way every datagram is answered.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { yaml } from '../helpers/fulcrum.js';
import { chooseListenMode, udpReusePortWorks } from '../../src/workers/listen-mode.js';
import { startWorkersFrom } from './helpers.js';

const mode = await chooseListenMode();
const everyWorker = mode === 'reuseport' && (await udpReusePortWorks());

/** One datagram from a new socket (a new source port: a new session); its reply. The socket stays open
 * (in `open`) so that no later socket gets its port and joins its session. */
function ask(port: number, text: string, open: dgram.Socket[]): Promise<string> {
  const socket = dgram.createSocket('udp4');
  open.push(socket);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${text}`)), 3000);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      resolve(msg.toString());
    });
    socket.send(text, port, '127.0.0.1');
  });
}

describe(`workers: 2 serve udp (${mode}${everyWorker ? ', every worker' : ', worker 0'})`, () => {
  let echo: dgram.Socket;
  let echoPort: number;
  before(async () => {
    echo = dgram.createSocket('udp4');
    echo.on('message', (msg, from) => echo.send(`echo ${msg.toString()}`, from.port, from.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    echoPort = echo.address().port;
  });
  after(() => echo.close());

  test('every datagram is answered; sessions are counted per worker in /metrics', async () => {
    const { fulcrum, pool } = await startWorkersFrom(yaml`
      listeners: [ { name: dns, address: 127.0.0.1:0, protocol: udp, service: echo } ]
      services: { echo: { backends: [ { address: 127.0.0.1:${echoPort} } ] } }
    `);
    const open: dgram.Socket[] = [];
    try {
      const port = fulcrum.address('dns').port;
      for (let i = 0; i < 40; i++) assert.equal(await ask(port, `q${i}`, open), `echo q${i}`);
      const text = await fulcrum.metrics();
      assert.match(text, /^fulcrum_connections_total\{listener="dns"\} 40$/m);
      const perWorker = pool.acceptedByWorker();
      if (everyWorker)
        assert.ok(
          perWorker.every((n) => n > 0),
          `sessions per worker: ${perWorker.join('/')}`,
        );
      else assert.deepEqual(perWorker, [40, 0]);
    } finally {
      for (const socket of open) socket.close();
      await fulcrum.close();
    }
  });
});
