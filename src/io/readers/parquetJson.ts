import { Type, type Vector } from 'apache-arrow';

/**
 * How a typed Parquet/Arrow value is written to CSV/TSV/JSONL (the `raw`, `fields` and `object`
 * forms of a Parquet row):
 *
 *   null                      JSON null; CSV empty field
 *   string, dictionary string the string
 *   bool                      true / false
 *   int8…int32, uint8…uint32  JSON number
 *   int64, uint64             JSON number with every digit (exact in `raw`/`fields`; in `object`
 *                             a number when within ±2^53, else the digits as a string)
 *   float32/64                JSON number; NaN, Infinity, -Infinity as the strings "NaN", …
 *   decimal                   a string with every digit and the column's scale: "-12.50"
 *   timestamp                 ISO 8601 string at the column's precision; a time zone-aware column
 *                             as the UTC instant with "Z" (2024-03-30T21:15:00.123Z), a naive one
 *                             without (2024-03-30T22:15:00.123456)
 *   date                      "YYYY-MM-DD"
 *   binary                    base64 string
 *   list                      JSON array; struct: JSON object; map: JSON array of [key, value]
 *   time, duration            JSON number in the column's unit
 * In CSV/TSV a string-valued form is written without JSON quotes; lists and structs as JSON text.
 */
export function jsonText(vec: Vector, i: number): string {
  if (!vec.isValid(i)) return 'null';
  const type = vec.type;
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
    case Type.Dictionary:
      return stringify(vec.get(i));
    case Type.Bool:
      return vec.get(i) ? 'true' : 'false';
    case Type.Int:
    case Type.Time:
    case Type.Duration: {
      const v = vec.get(i) as number | bigint;
      return typeof v === 'bigint' ? v.toString() : stringify(v);
    }
    case Type.Float:
      return floatText(vec.get(i) as number);
    case Type.Decimal:
      return JSON.stringify(decimalText(vec, i));
    case Type.Timestamp:
      return JSON.stringify(timestampText(vec, i));
    case Type.Date: {
      const ms = vec.get(i) as number | Date;
      return JSON.stringify(new Date(typeof ms === 'number' ? ms : ms.getTime()).toISOString().slice(0, 10));
    }
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
    case Type.BinaryView:
      return JSON.stringify(Buffer.from(vec.get(i) as Uint8Array).toString('base64'));
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const items = vec.get(i) as Vector;
      const parts: string[] = [];
      for (let j = 0; j < items.length; j++) parts.push(jsonText(items, j));
      return `[${parts.join(',')}]`;
    }
    case Type.Struct: {
      const parts = type.children.map((f: { name: string }, k: number) => `${JSON.stringify(f.name)}:${jsonText(vec.getChildAt(k)!, i)}`);
      return `{${parts.join(',')}}`;
    }
    default:
      return stringify(vec.get(i));
  }
}

/** The CSV/TSV field: JSON text, unquoted when it is a JSON string; empty for null. */
export function fieldText(vec: Vector, i: number): string {
  if (!vec.isValid(i)) return '';
  const t = vec.type.typeId;
  if (t === Type.Utf8 || t === Type.LargeUtf8 || t === Type.Utf8View || t === Type.Dictionary) {
    const v = vec.get(i);
    if (typeof v === 'string') return v;
  }
  const j = jsonText(vec, i);
  return j.startsWith('"') ? (JSON.parse(j) as string) : j;
}

/** JSON.parse of jsonText with int64 values beyond ±2^53 kept as digit strings. */
export function jsonValue(text: string): unknown {
  return JSON.parse(text.replace(/(?<=[:,[]|^)(-?\d{16,})(?=[,\]}]|$)/g, (d) => (Number.isSafeInteger(Number(d)) ? d : `"${d}"`)));
}

function floatText(v: number): string {
  if (Object.is(v, -0)) return '-0';
  if (Number.isFinite(v)) return JSON.stringify(v);
  return JSON.stringify(String(v));
}

/** Any other value (maps, intervals, unions): a JSON form that never throws on bigint or typed arrays. */
function stringify(v: unknown): string {
  return (
    JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return x.toString();
      if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number | bigint>, (e) => (typeof e === 'bigint' ? e.toString() : e));
      if (x && typeof x === 'object' && typeof (x as { toJSON?: unknown }).toJSON === 'function') return (x as { toJSON(): unknown }).toJSON();
      return x;
    }) ?? 'null'
  );
}

function rawData(vec: Vector): { values: ArrayLike<number | bigint>; offset: number } {
  const d = vec.data[0] as unknown as { values: ArrayLike<number | bigint>; offset: number };
  return d;
}

/** Exact decimal digits with the column's scale, from the little-endian 32-bit words of the value. */
export function decimalText(vec: Vector, i: number): string {
  const type = vec.type as unknown as { scale: number; bitWidth: number };
  const words = type.bitWidth / 32;
  const { values, offset } = rawData(vec);
  let v = 0n;
  for (let w = words - 1; w >= 0; w--) v = (v << 32n) | BigInt((values[(offset + i) * words + w] as number) >>> 0);
  const bits = BigInt(type.bitWidth);
  if (v >> (bits - 1n)) v -= 1n << bits;
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString();
  if (type.scale > 0) {
    digits = digits.padStart(type.scale + 1, '0');
    digits = `${digits.slice(0, -type.scale)}.${digits.slice(-type.scale)}`;
  } else if (type.scale < 0) {
    digits += '0'.repeat(-type.scale);
  }
  return (neg ? '-' : '') + digits;
}

const UNIT_DIGITS = [0, 3, 6, 9]; // TimeUnit SECOND, MILLISECOND, MICROSECOND, NANOSECOND

export function timestampText(vec: Vector, i: number): string {
  const type = vec.type as unknown as { unit: number; timezone?: string | null };
  const { values, offset } = rawData(vec);
  const raw = BigInt(values[offset + i]);
  const digits = UNIT_DIGITS[type.unit];
  const per = 10n ** BigInt(digits);
  let secs = raw / per;
  let frac = raw % per;
  if (frac < 0n) {
    frac += per;
    secs -= 1n;
  }
  const iso = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  const fraction = digits > 0 ? `.${frac.toString().padStart(digits, '0')}` : '';
  return `${iso}${fraction}${type.timezone ? 'Z' : ''}`;
}
