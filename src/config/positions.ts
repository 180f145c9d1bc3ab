// Maps a key path to the line and column where it is written, using the YAML document's nodes.
import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './issues.js';

export interface Position {
  line: number;
  column: number;
}

/**
 * The position of the value at `path` (or of its key, with `atKey`); when the path does not exist
 * in the document (a missing required key, say), the position of the nearest existing parent.
 */
export function locate(doc: Document, lineCounter: LineCounter, path: readonly PathSegment[], atKey = false): Position {
  let best: Node | undefined = isNode(doc.contents) ? doc.contents : undefined;
  let current: unknown = doc.contents;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    let key: unknown;
    let value: unknown;
    if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(segment));
      if (!pair) break;
      key = pair.key;
      value = pair.value;
    } else if (isSeq(current) && typeof segment === 'number') {
      value = current.items[segment];
    } else {
      break;
    }
    // `key:` with nothing after it has no value node: point at the key.
    const target = (last && atKey) || !hasRange(value) ? key : value;
    if (hasRange(target)) best = target;
    if (!hasRange(value)) break;
    current = value;
  }
  const offset = best?.range?.[0] ?? 0;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function hasRange(node: unknown): node is Node {
  return isNode(node) && node.range !== undefined && node.range !== null;
}
