import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers/cli';

/**
 * Imports go one way: cli → report → app → pipeline → io, infer, metrics → tokenizer → util → types → errors.
 * A module may import from its own folder or from a lower layer, never from a higher one or a
 * sibling layer (io must not know infer, and so on).
 */
const RANK: Record<string, number> = {
  'index.ts': 7,
  cli: 6,
  // the --report pages: drawn from what the app returns, written by the CLI
  report: 5.5,
  app: 5,
  pipeline: 4,
  io: 3,
  infer: 3,
  metrics: 3,
  tokenizer: 2,
  util: 1,
  'errors.ts': 0,
  'types.ts': 0.5,
};
const SRC = path.join(ROOT, 'src');

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}
const layerOf = (file: string) => path.relative(SRC, file).split(path.sep)[0];

test('every import in src/ goes down the layers (or stays in its folder)', () => {
  const wrong: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    expect(RANK[from]).toBeDefined();
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import|require\()\s*['"](\.[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      if (!target.startsWith(SRC)) continue; // package.json for the version
      const to = layerOf(fs.existsSync(target) && fs.statSync(target).isDirectory() ? path.join(target, 'index.ts') : `${target}.ts`);
      if (to !== from && !(RANK[to] < RANK[from])) wrong.push(`${path.relative(ROOT, file)} (${from}) imports ${m[1]} (${to})`);
    }
  }
  expect(wrong).toEqual([]);
});

test('one file-name style in src/: lowerCamelCase', () => {
  const all = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [e.name, ...all(path.join(dir, e.name))] : [e.name]));
  expect(all(SRC).filter((name) => !/^[a-z][a-zA-Z0-9]*(\.[a-z]+)?$/.test(name))).toEqual([]);
});
