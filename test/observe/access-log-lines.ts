// Reading an access log file in tests: the lines written so far, waiting (event-loop turns, no
// timers) for one that matches, since a request is recorded as its response is handed to the socket.
import fs from 'node:fs';
import { setImmediate as turn } from 'node:timers/promises';
import type { Fulcrum } from '../../src/fulcrum.js';

export function readLines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n');
}

/** The first line of `file` that `matches`, flushing the log until it appears (bounded). */
export async function waitForLine(fulcrum: Fulcrum, file: string, matches: (line: string) => boolean): Promise<string> {
  await fulcrum.observers.accessLog!.opened();
  for (let i = 0; i < 2000; i++) {
    fulcrum.observers.accessLog!.flush();
    const line = readLines(file).find(matches);
    if (line !== undefined) return line;
    await turn();
  }
  throw new Error(`no access log line matched in ${file}:\n${readLines(file).join('\n')}`);
}

export async function waitForJson(fulcrum: Fulcrum, file: string, matches: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const line = await waitForLine(fulcrum, file, (l) => matches(JSON.parse(l) as Record<string, unknown>));
  return JSON.parse(line) as Record<string, unknown>;
}
