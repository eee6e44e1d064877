import type { Readable } from 'node:stream';
import type { ErrorCode } from '../../errors';
import type { BadRow, InputRow, ReadItem } from '../../types';
import { splitLines } from '../lines';
import { decodeField, goldOf, refuseUtf16, stripBom, type ReaderOptions, type ReadStats, type TableReader } from './common';
import { RowProblem } from '../rowProblem';

/**
 * JSON lines: one object per line. The line is kept as read (its trailing whitespace and the CR of a
 * CRLF end included) so that the writer can give it back byte for byte with the new keys added.
 */
export async function openJsonl(input: Readable, opts: ReaderOptions): Promise<TableReader> {
  const stats: ReadStats = { blankLines: 0 };
  async function* items(): AsyncGenerator<ReadItem> {
    for await (const { line, bytes: lineBytes } of splitLines(input, { maxLineBytes: opts.maxRecordBytes, file: opts.file, code: 'JSON_LINE_TOO_LARGE' })) {
      if (line === 1) refuseUtf16(lineBytes, opts.file);
      const size = lineBytes.length + 1;
      const body = line === 1 ? stripBom(lineBytes) : lineBytes;
      let raw: string;
      try {
        raw = decodeField(body);
      } catch (err) {
        yield { kind: 'bad', line, code: (err as RowProblem).code, reason: (err as Error).message, raw: body.toString('utf8'), bytes: size };
        continue;
      }
      if (raw.trim() === '') {
        stats.blankLines += 1;
        continue;
      }
      const bad = (code: ErrorCode, reason: string): BadRow => ({ kind: 'bad', line, code, reason, raw: raw.replace(/\r$/, ''), bytes: size });
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        yield bad('JSON_INVALID', `invalid JSON: ${(err as Error).message}`);
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield bad('JSON_NOT_OBJECT', `expected a JSON object, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
        continue;
      }
      const object = value as Record<string, unknown>;
      if (!(opts.textColumn in object)) {
        const keys = Object.keys(object);
        yield bad('TEXT_MISSING', `no key '${opts.textColumn}'; keys found: ${keys.length ? keys.map((k) => `'${k}'`).join(', ') : '(none)'}`);
        continue;
      }
      stats.textKeySeen = true;
      const text = object[opts.textColumn];
      if (typeof text !== 'string') {
        yield bad('TEXT_NOT_STRING', `'${opts.textColumn}' is ${text === null ? 'null' : typeof text}, not a string`);
        continue;
      }
      const clash = opts.reservedKeys?.find((k) => k in object);
      if (clash !== undefined) {
        yield bad(
          'JSON_KEY_CONFLICT',
          `the object already has a key '${clash}', which the output adds; name the added keys with --label-name / --confidence-name`,
        );
        continue;
      }
      const row: InputRow = { kind: 'row', line, text, raw, object, bytes: size };
      if (opts.labelColumn !== undefined) {
        // absent, null or empty: a row without a gold label, which eval counts and leaves unscored
        const gold = object[opts.labelColumn];
        if (gold !== undefined) stats.labelKeySeen = true;
        row.gold = gold === undefined || gold === null ? undefined : goldOf(String(gold));
      }
      yield row;
    }
  }
  return { columns: undefined, items: items(), stats };
}
