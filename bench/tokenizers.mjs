// tokenizer.json implementations side by side, as a worker uses them: CPU µs per text (user+sys of
// the whole process, so a library's own threads count), interleaved rounds, on distinct texts.
//
//   npm run build
//   npm install --no-save @anush008/tokenizers@0.6.0     # optional: the Rust tokenizers' N-API binding
//   node bench/tokenizers.mjs [--model model-fast] [--rows 20000] [--rounds 3] [--share 1024]
//
// Candidates:
//  * hf: src/tokenizer/hf.ts as built in dist/ (@huggingface/tokenizers + our patches); for an
//    older commit's, build it elsewhere and run this script there (bench/README.md, "Fast model");
//  * hf-library: the same without the WordPiece fast path of src/tokenizer/wordPieceAscii.ts (the
//    library and our patches for every text), where the model's tokenizer has that path;
//  * rust: @anush008/tokenizers (tokenizers 0.22.2 in Rust, N-API), Tokenizer.fromFile +
//    setTruncation(maxLength), encodeBatch() on shares of --share texts (its encode is async only),
//    ids read with getIds(); TOKENIZERS_PARALLELISM=false (one thread, as beside a 1-thread
//    onnxruntime session per core) unless --rust-parallel. Skipped when not installed.
// Every candidate's ids are checked against hf's for every text.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { distinctCsvInput, flag, opt } from './inputs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const require = createRequire(import.meta.url);
const dir = path.resolve(repo, opt('model', 'model-fast'));
const rows = Number(opt('rows', 20000));
const rounds = Number(opt('rounds', 3));
const share = Number(opt('share', 1024));
if (!flag('rust-parallel')) process.env.TOKENIZERS_PARALLELISM = 'false';

const { loadModelInfo } = require(path.join(repo, 'dist/infer/modelDir.js'));
const { HfTokenizer } = require(path.join(repo, 'dist/tokenizer/hf.js'));
const info = loadModelInfo(dir);
const texts = parse(fs.readFileSync(distinctCsvInput(rows)), { columns: true }).map((r) => r.text);

const candidates = {
  hf: () => {
    const t = HfTokenizer.fromDir(dir, info.maxLength);
    return async (xs) => xs.map((x) => t.encode(x));
  },
};
if (HfTokenizer.fromDir(dir, info.maxLength).ascii) {
  candidates['hf-library'] = () => {
    const t = HfTokenizer.fromDir(dir, info.maxLength).withoutFastPath();
    return async (xs) => xs.map((x) => t.encode(x));
  };
}
let rustVersion;
try {
  const { Tokenizer } = require('@anush008/tokenizers');
  rustVersion = require('@anush008/tokenizers/package.json').version;
  candidates.rust = () => {
    const t = Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    t.disablePadding();
    t.setTruncation(info.maxLength);
    return async (xs) => {
      const out = [];
      for (let i = 0; i < xs.length; i += share) for (const e of await t.encodeBatch(xs.slice(i, i + share))) out.push(e.getIds());
      return out;
    };
  };
} catch {
  console.log('(@anush008/tokenizers not installed: `npm install --no-save @anush008/tokenizers@0.6.0` to compare it)');
}

const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `${path.relative(repo, dir)}, ${rows} distinct texts, ${rounds} rounds, load average ${loadavg()}${rustVersion ? `, @anush008/tokenizers ${rustVersion}` : ''}`,
);
const cpu = {};
let reference;
for (let r = 0; r < rounds; r++) {
  for (const [name, make] of Object.entries(candidates)) {
    const encode = make();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const ids = await encode(texts);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    reference ??= ids;
    let differ = 0;
    for (let i = 0; i < texts.length; i++) if (ids[i].length !== reference[i].length || ids[i].some((v, j) => v !== reference[i][j])) differ++;
    const us = (c.user + c.system) / texts.length;
    (cpu[name] ??= []).push(us);
    console.log(
      `  round ${r + 1} ${name.padEnd(12)} ${us.toFixed(1).padStart(6)} CPU µs/text  (wall ${((wall * 1000) / texts.length).toFixed(1)} µs/text)  ${differ} texts differ from hf`,
    );
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `median CPU µs/text: ${Object.entries(cpu)
    .map(([n, xs]) => `${n} ${median(xs).toFixed(1)}`)
    .join(', ')}; load average ${loadavg()}`,
);
