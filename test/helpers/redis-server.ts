// A real redis-server for a test: on a free loopback port, with a directory of its own, no
// persistence; it can be killed (as a crash would) and started again on the same port. DEBUG is
// enabled for local clients so a test can make it slow (DEBUG SLEEP).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL, as a crash; resolves once the process is gone */
  kill(): Promise<void>;
  /** start again on the same port (empty: nothing was saved) */
  restart(): Promise<void>;
  /** one command from a client of its own (DEBUG SLEEP, FLUSHALL, SCRIPT FLUSH, KEYS ...) */
  command(args: string[]): Promise<unknown>;
  /** DEBUG SLEEP: resolves once the server is asleep (a PING from elsewhere goes unanswered), with `done` for its end */
  sleep(seconds: number): Promise<{ done: Promise<unknown> }>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'local'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      output += text;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(child);
      }
    });
    child.stderr!.resume();
  });
}

/** Whether the server answers a PING within `withinMs` (false: it is busy, e.g. asleep). */
function answersPing(port: number, withinMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, withinMs);
    socket.once('data', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = await launch(port, dir);
  const url = `redis://127.0.0.1:${port}`;
  const kill = async (): Promise<void> => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await gone;
  };
  return {
    port,
    url,
    kill,
    restart: async () => {
      await kill();
      child = await launch(port, dir);
    },
    command: async (args) => {
      const client = createClient({ url, socket: { reconnectStrategy: false } });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return await client.sendCommand(args);
      } finally {
        client.destroy();
      }
    },
    sleep: async (seconds) => {
      const client = createClient({ url, socket: { reconnectStrategy: false } });
      client.on('error', () => undefined);
      await client.connect();
      const done = client.sendCommand(['DEBUG', 'SLEEP', String(seconds)]).finally(() => client.destroy());
      while (await answersPing(port, 20)) {
        // not asleep yet: the DEBUG command has not been read; ask again
      }
      return { done };
    },
    close: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
