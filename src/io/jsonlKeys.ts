import * as fs from 'node:fs';
import { splitLines } from './lines';

/**
 * Every key of every object in a JSONL file, in first-seen order: the columns when JSONL is written
 * as CSV/TSV, so that no field of a later object is dropped. A first pass over the file (memory: the
 * key set); lines that are not JSON objects are passed over here and reported by the reader.
 */
export async function scanJsonlKeys(file: string, maxLineBytes: number): Promise<string[]> {
  const keys = new Set<string>();
  for await (const { bytes } of splitLines(fs.createReadStream(file, { highWaterMark: 256 * 1024 }), { maxLineBytes, file, code: 'JSON_LINE_TOO_LARGE' })) {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const k of Object.keys(value)) keys.add(k);
  }
  return [...keys];
}
