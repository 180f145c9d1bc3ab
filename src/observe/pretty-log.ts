// Human-readable process logs for a terminal: pino's JSON line becomes
// `12:00:00.123 INFO  backend unhealthy  service=api backend=10.0.1.10:8080`. A dozen lines instead
// of pino-pretty and its dependencies; the process logs are a few lines a minute, so parsing each
// line again costs nothing that matters.

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

/** One pino JSON line as a readable line; `color` adds ANSI colours to the level. */
export function prettyLine(json: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const name = LEVELS[level] ?? String(level);
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  let out = `${time} ${color ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name} ${String(entry.msg ?? '')}`;
  for (const [key, value] of Object.entries(entry)) {
    if (OMIT.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const err = value as { message?: unknown; stack?: unknown };
      out += `  err=${JSON.stringify(err.message)}` + (typeof err.stack === 'string' ? '\n' + err.stack : '');
      continue;
    }
    out += `  ${key}=${typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`;
  }
  return out + '\n';
}

/** A pino destination that writes pretty lines to `stream`. */
export function prettyDestination(stream: NodeJS.WriteStream): { write(line: string): void } {
  const color = stream.isTTY === true && process.env.NO_COLOR === undefined;
  return { write: (line) => void stream.write(prettyLine(line, color)) };
}
