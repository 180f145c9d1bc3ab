// One shape for a worker thread and a worker process (node:cluster), seen from both ends, so the
// pool and the worker entry do not care which they run on. Processes use the 'advanced'
// serialization (structured clone, as postMessage): Maps and typed arrays arrive as they left.
import cluster from 'node:cluster';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerData } from './messages.js';

const ENTRY = new URL('./worker-main.js', import.meta.url);
/** how a worker process gets its WorkerData (no SharedArrayBuffer across processes) */
const DATA_ENV = 'FULCRUM_WORKER_DATA';

/** The main side of one worker. */
export interface WorkerHandle {
  post(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** exit code (or 1 when killed by a signal) */
  onExit(listener: (code: number) => void): void;
  onError(listener: (error: Error) => void): void;
  /** end it now */
  kill(): void;
  /** the OS process id of a worker process; the main process's for a thread */
  readonly pid: number;
}

export function spawnThread(data: WorkerData): WorkerHandle {
  const thread = new Worker(ENTRY, { workerData: data });
  return {
    post: (message) => thread.postMessage(message),
    onMessage: (listener) => thread.on('message', listener),
    onExit: (listener) => thread.once('exit', listener),
    onError: (listener) => thread.on('error', listener),
    kill: () => void thread.terminate(),
    pid: process.pid,
  };
}

export function spawnProcess(data: WorkerData): WorkerHandle {
  cluster.setupPrimary({ exec: new URL(ENTRY).pathname, serialization: 'advanced', silent: false });
  const worker = cluster.fork({ [DATA_ENV]: JSON.stringify({ ...data, cells: null }) });
  // an ES module listens only once it has loaded: what arrives before is lost, so hold it until 'ready'
  let held: ToWorker[] | null = [];
  worker.on('message', (message: FromWorker) => {
    if (message.type !== 'ready' || held === null) return;
    for (const m of held) worker.send(m);
    held = null;
  });
  return {
    post: (message) => {
      if (held !== null) held.push(message);
      else if (worker.isConnected()) worker.send(message);
    },
    onMessage: (listener) => worker.on('message', listener),
    onExit: (listener) => worker.once('exit', (code, signal) => listener(signal ? 1 : code)),
    onError: (listener) => worker.on('error', listener),
    kill: () => worker.process.kill('SIGKILL'),
    get pid() {
      return worker.process.pid ?? 0;
    },
  };
}

/** The worker side: its data and its line to the main thread (or primary process). */
export interface ParentChannel {
  data: WorkerData;
  post(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
  /** nothing more to say: let the thread or process end */
  close(): void;
}

export function parentChannel(): ParentChannel {
  if (parentPort !== null) {
    const port = parentPort;
    return {
      data: workerData as WorkerData,
      post: (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', listener),
      close: () => port.close(),
    };
  }
  const data = JSON.parse(process.env[DATA_ENV] ?? '{}') as WorkerData;
  return {
    data,
    post: (message) => process.send?.(message),
    onMessage: (listener) => process.on('message', listener as (message: unknown) => void),
    close: () => process.disconnect?.(),
  };
}
