import { readBackJsonl } from '../readBack';
import { lineAsRead } from '../readers/common';
import { openJsonl } from '../readers/jsonl';
import { JsonlWriter } from '../writers/jsonl';
import type { StreamFormat } from './descriptor';

/** JSON lines: one object per line; a JSONL input's line is written back byte for byte, the added keys spliced in. */
export const jsonl: StreamFormat = {
  title: 'JSONL',
  help: 'jsonl',
  aliases: ['ndjson'],
  extensions: ['.jsonl', '.ndjson'],
  needsPath: false,
  columns: 'keys',
  uniqueNames: true,
  open: openJsonl,
  createWriter: (out, opts) => new JsonlWriter(out, opts),
  readBack: readBackJsonl,
  recordText: lineAsRead,
};
