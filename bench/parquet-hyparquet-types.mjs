// Per-column type round trip for hyparquet + hyparquet-writer (the all-column file it writes from
// types.parquet's own schema is unreadable by pyarrow, so each column is written to its own file).
//   npm install --no-save hyparquet hyparquet-writer && node bench/parquet-hyparquet-types.mjs
// Prints: column => pyarrow type read back, type equal, values equal (or the pyarrow error).
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const buf = await asyncBufferFromFile('fixtures/parquet/types.parquet');
const md = await parquetMetadataAsync(buf);
const objs = await parquetReadObjects({ file: buf, metadata: md });
const s = md.schema;
const skip = (k) => {
  let j = k + 1;
  for (let c = 0; c < (s[k].num_children || 0); c++) j = skip(j);
  return j;
};
let i = 1;
while (i < s.length) {
  const j = skip(i);
  const name = s[i].name;
  const schema = [{ name: 'root', num_children: 1 }, ...s.slice(i, j)];
  let res;
  try {
    const ab = parquetWriteBuffer({ columnData: [{ name, data: objs.map((o) => o[name]) }], schema });
    writeFileSync('bench/out/hyp1.parquet', new Uint8Array(ab));
    res = execFileSync(
      'python3',
      [
        '-c',
        `import pyarrow.parquet as pq,pyarrow as pa; a=pq.read_table('fixtures/parquet/types.parquet')['${name}']; b=pq.read_table('bench/out/hyp1.parquet')['${name}']; print(b.type, a.type==b.type, a.combine_chunks().cast(b.type).equals(b.combine_chunks()) if a.type!=b.type else a.equals(b))`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
  } catch (e) {
    res =
      'ERR ' +
      String(e.stderr ?? e.message)
        .trim()
        .split('\n')
        .pop()
        .slice(0, 120);
  }
  console.log(name, JSON.stringify(s[i]).slice(0, 140), '=>', res);
  i = j;
}
