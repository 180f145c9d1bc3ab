// A strict reader of the Prometheus text exposition format (0.0.4): every line must be a
// HELP, a TYPE or a sample of a declared family, and histograms must be consistent.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"(,|$)/;

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('exposition must end with a newline');
  for (const [index, line] of lines.slice(0, -1).entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line === '') continue; // the format allows empty lines
    if (line.startsWith('# HELP ')) {
      if (!NAME.test(line.split(' ')[2] ?? '')) throw new Error(`bad HELP ${where}`);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (!NAME.test(name ?? '') || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type ?? '')) throw new Error(`bad TYPE ${where}`);
      if (types.has(name!)) throw new Error(`family declared twice ${where}`);
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected ${where}`);
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`bad sample ${where}`);
    const [, name, , labelText, valueText] = match;
    const labels: Record<string, string> = {};
    let rest = labelText ?? '';
    while (rest.length > 0) {
      const label = LABEL.exec(rest);
      if (!label) throw new Error(`bad labels ${where}`);
      labels[label[1]!] = label[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      rest = rest.slice(label[0].length);
    }
    // Prometheus reads values with Go's ParseFloat: NaN and Inf in any letter case
    const special = valueText!.toLowerCase();
    const value = special === '+inf' || special === 'inf' ? Infinity : special === '-inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && special !== 'nan') throw new Error(`bad value ${where}`);
    const family = familyOf(name!, types);
    if (family === undefined) throw new Error(`sample of an undeclared family ${where}`);
    samples.push({ name: name!, labels, value });
  }
  checkHistograms(types, samples);
  return { types, samples };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (name.endsWith(suffix) && types.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return undefined;
}

/** Buckets are cumulative and end with +Inf, whose value equals _count. */
function checkHistograms(types: Map<string, string>, samples: Sample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
    for (const s of samples) {
      if (!s.name.startsWith(family + '_')) continue;
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      const entry = series.get(key) ?? { buckets: [] };
      series.set(key, entry);
      if (s.name === family + '_bucket') entry.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
      if (s.name === family + '_count') entry.count = s.value;
    }
    for (const [key, { buckets, count }] of series) {
      for (let i = 1; i < buckets.length; i++) {
        if (buckets[i]![0] <= buckets[i - 1]![0] || buckets[i]![1] < buckets[i - 1]![1]) throw new Error(`${family}${key}: buckets not cumulative`);
      }
      const last = buckets.at(-1);
      if (!last || last[0] !== Infinity || last[1] !== count) throw new Error(`${family}${key}: +Inf bucket must equal _count`);
    }
  }
}

export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string>): number | undefined {
  const found = exposition.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value;
}
