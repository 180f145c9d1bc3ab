// A worker's access-log lines, batched and sent to the main thread, which writes the one stream
// (whole lines, so workers never interleave half lines). A batch goes every 20 ms or at 64 KiB.
import type { ParentChannel } from './channel.js';
import type { FromWorker } from './messages.js';

const FLUSH_MS = 20;
const FLUSH_BYTES = 64 * 1024;

export class AccessRelay {
  private text = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly port: ParentChannel) {}

  write(line: string): void {
    this.text += line;
    if (this.text.length >= FLUSH_BYTES) this.flushSync();
    else if (this.timer === null) {
      this.timer = setTimeout(this.onTimer, FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Send what is batched now (AccessLog.flush calls it on shutdown). */
  flushSync(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.text === '') return;
    const message: FromWorker = { type: 'access', text: this.text };
    this.text = '';
    this.port.post(message);
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.flushSync();
  };
}
