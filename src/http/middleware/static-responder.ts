// Serving a static route on HTTP/1.x: the decision (path, validators, ranges) is decideStatic's;
// this writes it, streaming the file with backpressure, through the route's compression when it
// applies. It holds the connection's exchange slot until done.
import { createReadStream, type ReadStream } from 'node:fs';
import type { ClientExchange } from '../client-connection.js';
import type { FieldList } from '../h1/fields.js';
import { CompressSink, type SinkOwner } from './compress-sink.js';
import { localHead, recordLocal } from './local-answer.js';
import type { ChainRun } from './run.js';
import type { StaticMiddleware } from './static.js';
import { decideStatic, text, type StaticDecision } from './static-decision.js';

export class StaticResponder implements ClientExchange, SinkOwner {
  private close = false;
  private aborted = false;
  private done = false;
  private stream: ReadStream | null = null;
  private sink: CompressSink | null = null;
  private status = 200;

  constructor(
    private readonly run: ChainRun,
    private readonly files: StaticMiddleware,
  ) {}

  start(close: boolean): void {
    this.close = close;
    this.serve().catch(() => {
      if (!this.done && !this.aborted) this.answer(500);
    });
  }

  private async serve(): Promise<void> {
    const decision = await decideStatic(this.files, this.run.head);
    if (this.aborted) {
      if (decision.kind === 'file') await decision.handle.close();
      return;
    }
    switch (decision.kind) {
      case 'text':
        return this.finishWith(decision.status, decision.fields, decision.body);
      case 'not-modified':
        return this.finishHead(304, decision.fields, -2);
      case 'file':
        try {
          this.respond(decision);
        } finally {
          if (this.stream === null) await decision.handle.close();
        }
    }
  }

  private respond(file: Extract<StaticDecision, { kind: 'file' }>): void {
    const { run } = this;
    const head = run.head;
    const { status, fields, length, start, end } = file;
    run.applyResponsePhases(status, fields);
    const compress = run.chain.compress;
    const algorithm = compress === null ? null : compress.decide(run, status, fields, length, head.method === 'HEAD');
    this.status = status;
    if (head.method === 'HEAD' || length === 0) {
      run.client.write(
        localHead(run, status, fields, this.close, algorithm === null ? length : -1) + (algorithm !== null && head.version === 11 && head.method !== 'HEAD' ? '0\r\n\r\n' : ''),
      );
      this.finish();
      return;
    }
    if (algorithm !== null) {
      if (head.version === 10) this.close = true; // close-delimited
      run.client.write(localHead(run, status, fields, this.close, -1));
      this.sink = new CompressSink(run.client, algorithm, compress!.settings, head.version === 11, this);
    } else {
      run.client.write(localHead(run, status, fields, this.close, length));
    }
    // the stream owns the handle from here and closes it when it ends or is destroyed
    const stream = createReadStream('', { fd: file.handle, start, end, highWaterMark: 64 * 1024 });
    this.stream = stream;
    stream.on('data', this.onFileData);
    stream.on('end', this.onFileEnd);
    stream.on('error', this.onFileError);
  }

  private readonly onFileData = (data: Buffer | string): void => {
    const piece = data as Buffer;
    const ok = this.sink !== null ? this.sink.write(piece) : this.run.client.write(piece);
    if (!ok) this.stream!.pause();
  };

  private readonly onFileEnd = (): void => {
    if (this.sink !== null) this.sink.end(this.run.head.version === 11 ? '0\r\n\r\n' : '');
    else this.finish();
  };

  private readonly onFileError = (): void => {
    this.stream?.destroy();
    this.run.client.destroy();
  };

  sinkDrained(): void {
    if (this.sink !== null && !this.aborted) this.stream?.resume();
  }

  sinkFinished(): void {
    this.finish();
  }

  private finishHead(status: number, fields: FieldList, length: number): void {
    this.status = status;
    this.run.applyResponsePhases(status, fields);
    this.run.client.write(localHead(this.run, status, fields, this.close, length));
    this.finish();
  }

  private finishWith(status: number, fields: FieldList, body: string): void {
    this.status = status;
    this.run.applyResponsePhases(status, fields);
    this.run.client.write(localHead(this.run, status, fields, this.close, body.length) + (this.run.head.method === 'HEAD' ? '' : body));
    this.finish();
  }

  /** A small answer of our own (500). */
  private answer(status: number): void {
    if (this.aborted || this.done) return;
    const decision = text(status) as Extract<StaticDecision, { kind: 'text' }>;
    this.finishWith(status, decision.fields, decision.body);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.aborted) return;
    recordLocal(this.run, this.status);
    this.run.client.exchangeDone(!this.close);
  }

  // --- ClientExchange ---

  clientBody(): void {} // a body sent to a static route is not read: the connection closes after the answer

  clientDrain(): void {
    if (this.sink !== null) this.sink.clientDrain();
    else this.stream?.resume();
  }

  clientAborted(): void {
    this.aborted = true;
    this.stream?.destroy();
    this.sink?.destroy();
    if (!this.done) {
      this.done = true;
      recordLocal(this.run, 0);
    }
  }

  clientTimeout(): void {
    this.run.client.destroy();
  }
}
