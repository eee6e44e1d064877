#!/usr/bin/env node
// Parquet library benchmark: read rows/s, write rows/s and peak RSS on a 1M-row, 3-column file
// (id int64, 100-char text, score float64; written by pyarrow, 16 row groups of 65,536 rows), and a
// read -> write round trip of fixtures/parquet/types.parquet checked column by column by pyarrow.
//
//   python3 bench/parquet_make_input.py                 # bench/out/pq-1000000.parquet
//   node bench/parquet-libs.mjs [--rows 1000000] [--only hyparquet,parquet-wasm,duckdb] [--json FILE]
//
// Each measurement runs in its own child process (peak RSS = process.resourceUsage().maxRSS of that
// process, which covers native and WebAssembly memory). The candidates are not in package.json except
// the chosen one: install the others first with
//   npm install --no-save hyparquet hyparquet-writer @duckdb/node-api
import { spawnSync } from 'node:child_process';
import { openAsBlob, createWriteStream, rmSync, writeFileSync, existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'out');
const REPO = path.dirname(HERE);
const CHUNK = 65536;

function text100(i) {
  const s = `row ${i} i feel so happy today but also a little scared of what tomorrow brings and my friends `;
  return (s + s).slice(0, 100);
}

/** Rows s .. s + CHUNK (at most n) of the written file, by column: id, a 100-character text, score. */
function chunkColumns(s, n) {
  const m = Math.min(CHUNK, n - s);
  const ids = new BigInt64Array(m),
    texts = new Array(m),
    scores = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    ids[i] = BigInt(s + i);
    texts[i] = text100(s + i);
    scores[i] = (s + i) / n;
  }
  return { ids, texts, scores };
}

// ---------------------------------------------------------------- hyparquet
const hyparquet = {
  async read(file) {
    const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
    const buf = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buf);
    let rows = 0,
      chars = 0,
      start = 0;
    for (const rg of metadata.row_groups) {
      const end = start + Number(rg.num_rows);
      const objs = await parquetReadObjects({ file: buf, metadata, rowStart: start, rowEnd: end });
      for (const o of objs) {
        rows++;
        chars += o.text.length;
      }
      start = end;
    }
    return { rows, chars };
  },
  async write(file, n) {
    const { ParquetWriter } = await import('hyparquet-writer');
    const { fileWriter } = await import('hyparquet-writer/src/node.js');
    const schema = [
      { name: 'root', num_children: 3 },
      { name: 'id', type: 'INT64', repetition_type: 'OPTIONAL' },
      { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    ];
    const w = new ParquetWriter({ writer: fileWriter(file), schema, codec: 'SNAPPY' });
    for (let s = 0; s < n; s += CHUNK) {
      const { ids, texts, scores } = chunkColumns(s, n);
      await w.write({
        columnData: [
          { name: 'id', data: ids },
          { name: 'text', data: texts },
          { name: 'score', data: scores },
        ],
        rowGroupSize: CHUNK,
      });
    }
    w.finish();
  },
  async roundtrip(input, output) {
    const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
    const { ParquetWriter } = await import('hyparquet-writer');
    const { fileWriter } = await import('hyparquet-writer/src/node.js');
    const buf = await asyncBufferFromFile(input);
    const metadata = await parquetMetadataAsync(buf);
    const names = metadata.schema.slice(1).filter((_, i, a) => true);
    const top = []; // top-level column names
    {
      let i = 1;
      const skip = (k) => {
        const e = metadata.schema[k];
        let j = k + 1;
        for (let c = 0; c < (e.num_children || 0); c++) j = skip(j);
        return j;
      };
      while (i < metadata.schema.length) {
        top.push(metadata.schema[i].name);
        i = skip(i);
      }
    }
    void names;
    const w = new ParquetWriter({ writer: fileWriter(output), schema: metadata.schema, codec: 'SNAPPY' });
    let start = 0;
    for (const rg of metadata.row_groups) {
      const end = start + Number(rg.num_rows);
      const objs = await parquetReadObjects({ file: buf, metadata, rowStart: start, rowEnd: end });
      await w.write({ columnData: top.map((name) => ({ name, data: objs.map((o) => o[name]) })), rowGroupSize: end - start });
      start = end;
    }
    w.finish();
  },
};

// ---------------------------------------------------------------- parquet-wasm (+ apache-arrow)
const parquetWasm = {
  async read(file) {
    const pw = await import('parquet-wasm');
    const arrow = await import('apache-arrow');
    const pf = await pw.ParquetFile.fromFile(await openAsBlob(file));
    const groups = pf.metadata().numRowGroups();
    let rows = 0,
      chars = 0;
    for (let g = 0; g < groups; g++) {
      const t = await pf.read({ rowGroups: [g], batchSize: 1 << 20 });
      const js = arrow.tableFromIPC(t.intoIPCStream());
      for (const b of js.batches) {
        const text = b.getChild('text'),
          id = b.getChild('id');
        for (let i = 0; i < b.numRows; i++) {
          rows++;
          chars += text.get(i).length;
          id.get(i);
        }
      }
    }
    return { rows, chars };
  },
  async write(file, n, codec = 'ZSTD') {
    const pw = await import('parquet-wasm');
    const arrow = await import('apache-arrow');
    const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression[codec]).setMaxRowGroupSize(CHUNK).build();
    let s = 0;
    const src = new ReadableStream(
      {
        pull(c) {
          if (s >= n) {
            c.close();
            return;
          }
          const { ids, texts, scores } = chunkColumns(s, n);
          const t = new arrow.Table({ id: arrow.makeVector(ids), text: arrow.vectorFromArray(texts, new arrow.Utf8()), score: arrow.makeVector(scores) });
          for (const rb of pw.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')).recordBatches()) c.enqueue(rb);
          s += ids.length;
        },
      },
      { highWaterMark: 1 },
    );
    const bytes = await pw.transformParquetStream(src, props);
    await bytes.pipeTo(Writable.toWeb(createWriteStream(file)));
  },
  async roundtrip(input, output) {
    const pw = await import('parquet-wasm');
    const arrow = await import('apache-arrow');
    const pf = await pw.ParquetFile.fromFile(await openAsBlob(input));
    const groups = pf.metadata().numRowGroups();
    let g = 0;
    const src = new ReadableStream(
      {
        async pull(c) {
          if (g >= groups) {
            c.close();
            return;
          }
          const js = arrow.tableFromIPC((await pf.read({ rowGroups: [g++] })).intoIPCStream());
          for (const b of js.batches) for (const rb of pw.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table([b]), 'stream')).recordBatches()) c.enqueue(rb);
        },
      },
      { highWaterMark: 1 },
    );
    const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).build();
    await (await pw.transformParquetStream(src, props)).pipeTo(Writable.toWeb(createWriteStream(output)));
  },
};

// ---------------------------------------------------------------- DuckDB
const duckdb = {
  async conn(dbFile) {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(dbFile ?? ':memory:', { threads: '2' });
    return inst.connect();
  },
  async read(file) {
    const c = await this.conn();
    const res = await c.stream(`SELECT * FROM read_parquet('${file}')`);
    let rows = 0,
      chars = 0;
    for (;;) {
      const chunk = await res.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const r of chunk.getRows()) {
        rows++;
        chars += r[1].length;
      }
    }
    return { rows, chars };
  },
  async write(file, n) {
    // Rows come from JS one at a time (as the labelled rows will), so: appender into a table of a
    // file-backed database (spills, bounded memory), then COPY to Parquet.
    const db = `${file}.duckdb`;
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
    const c = await this.conn(db);
    await c.run(`SET memory_limit='1GB'`);
    await c.run('CREATE TABLE t (id BIGINT, text VARCHAR, score DOUBLE)');
    const a = await c.createAppender('t');
    for (let i = 0; i < n; i++) {
      a.appendBigInt(BigInt(i));
      a.appendVarchar(text100(i));
      a.appendDouble(i / n);
      a.endRow();
      if (i % CHUNK === CHUNK - 1) a.flushSync();
    }
    a.closeSync();
    await c.run(`COPY t TO '${file}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${CHUNK})`);
    c.closeSync?.();
    rmSync(db, { force: true });
  },
  async roundtrip(input, output) {
    const c = await this.conn();
    await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${input}') LIMIT 0`);
    const types = (await c.runAndReadAll('SELECT * FROM t')).columnTypes();
    const a = await c.createAppender('t');
    const res = await c.stream(`SELECT * FROM read_parquet('${input}')`);
    for (;;) {
      const chunk = await res.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const r of chunk.getRows()) {
        r.forEach((v, k) => a.appendValue(v, types[k]));
        a.endRow();
      }
    }
    a.closeSync();
    await c.run(`COPY t TO '${output}' (FORMAT parquet, COMPRESSION zstd)`);
  },
};

const LIBS = { hyparquet, 'parquet-wasm': parquetWasm, duckdb };

// ---------------------------------------------------------------- child mode
if (process.argv[2] === '--child') {
  const [, , , lib, op, a, b] = process.argv;
  const t0 = process.hrtime.bigint();
  let info = {};
  try {
    if (op === 'read') info = await LIBS[lib].read(a);
    else if (op === 'write') await LIBS[lib].write(a, Number(b));
    else if (op === 'write-snappy') await LIBS[lib].write(a, Number(b), 'SNAPPY');
    else if (op === 'roundtrip') await LIBS[lib].roundtrip(a, b);
  } catch (err) {
    process.stdout.write(
      JSON.stringify({
        error: String(err?.stack ?? err)
          .split('\n')
          .slice(0, 3)
          .join(' | '),
      }),
    );
    process.exit(0);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ secs, maxRssMB: process.resourceUsage().maxRSS / 1024, ...info }));
  process.exit(0);
}

// ---------------------------------------------------------------- parent
// loaded here, not above: the children, whose peak RSS is measured, need not load it and its csv modules
const { opt } = await import('./inputs.mjs');
const N = Number(opt('rows', '1000000'));
const only = opt('only', Object.keys(LIBS).join(',')).split(',');
const input = path.join(OUT, `pq-${N}.parquet`);
if (!existsSync(input)) {
  const r = spawnSync('python3', [path.join(HERE, 'parquet_make_input.py'), String(N)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const child = (...a) => {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...a], { encoding: 'utf8', maxBuffer: 1 << 26 });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { error: (r.stderr || r.stdout).slice(0, 300) };
  }
};
const results = [];
for (const lib of only) {
  const row = { lib };
  const rd = child(lib, 'read', input);
  row.read = rd.error ? rd : { rowsPerSec: Math.round(rd.rows / rd.secs), peakRssMB: Math.round(rd.maxRssMB), rows: rd.rows };
  const outFile = path.join(OUT, `pq-write-${lib}.parquet`);
  const wr = child(lib, 'write', outFile, String(N));
  row.write = wr.error ? wr : { rowsPerSec: Math.round(N / wr.secs), peakRssMB: Math.round(wr.maxRssMB) };
  if (!wr.error) {
    const chk = spawnSync(
      'python3',
      [
        '-c',
        `import pyarrow.parquet as pq,sys; f=pq.ParquetFile(sys.argv[1]); m=f.metadata; print(m.num_rows, m.num_row_groups, m.row_group(0).column(1).compression)`,
        outFile,
      ],
      { encoding: 'utf8' },
    );
    row.write.pyarrow = chk.stdout.trim() || chk.stderr.trim().split('\n').pop();
  }
  if (lib === 'parquet-wasm') {
    const ws = child(lib, 'write-snappy', path.join(OUT, 'pq-write-parquet-wasm-snappy.parquet'), String(N));
    row.writeSnappy = ws.error ? ws : { rowsPerSec: Math.round(N / ws.secs), peakRssMB: Math.round(ws.maxRssMB) };
  }
  const rtOut = path.join(OUT, `pq-types-${lib}.parquet`);
  rmSync(rtOut, { force: true });
  const rt = child(lib, 'roundtrip', path.join(REPO, 'fixtures/parquet/types.parquet'), rtOut);
  if (rt.error) row.types = rt;
  else {
    const chk = spawnSync(
      'python3',
      [path.join(REPO, 'training/fixtures/check_parquet.py'), '--columns-report', path.join(REPO, 'fixtures/parquet/types.parquet'), rtOut],
      { encoding: 'utf8' },
    );
    try {
      row.types = JSON.parse(chk.stdout);
    } catch {
      row.types = { error: (chk.stderr || chk.stdout).slice(-300) };
    }
  }
  results.push(row);
  console.log(JSON.stringify(row));
}
const jsonOut = opt('json');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
