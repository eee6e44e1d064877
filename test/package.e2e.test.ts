import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './helpers/cli';

/**
 * The packed tarball as a user gets it: `npm pack`, installed into an empty project (its
 * dependencies from the npm registry or npm's cache), then required, imported and run as a command.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'el-pack-'));
const project = path.join(work, 'project');
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };

beforeAll(() => {
  // dist/ is built by `npm test` before jest runs; --ignore-scripts keeps pack from building again
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env, encoding: 'utf8' });
  const tarball = path.join(work, JSON.parse(out)[0].filename);
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-save', tarball], { cwd: project, env, stdio: 'ignore', timeout: 300_000 });
}, 360_000);

const texts = ['i love you so much', 'i am so scared of tomorrow', 'this makes me furious'];

test('require() from the installed package labels three texts', () => {
  const script = `
    const { createLabeller, labelFile, evaluate, LabelError } = require('emotion-label');
    (async () => {
      const l = await createLabeller();
      const out = await l.label(${JSON.stringify(texts)});
      await l.close();
      console.log(JSON.stringify({ out, fns: [typeof labelFile, typeof evaluate, typeof LabelError] }));
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  const { out, fns } = JSON.parse(r.stdout);
  expect(fns).toEqual(['function', 'function', 'function']);
  expect(out.map((o: { label: string }) => o.label)).toEqual(['love', 'fear', 'anger']);
  for (const o of out) expect(o.confidence).toBeGreaterThan(0.5);
});

test('import from an ES module gives the same API, and the type declarations ship', () => {
  const file = path.join(project, 'use.mjs');
  fs.writeFileSync(
    file,
    `import { createLabeller } from 'emotion-label';
     const l = await createLabeller({ workers: 1 });
     console.log(JSON.stringify((await l.label(${JSON.stringify(texts)})).map((o) => o.label)));
     await l.close();`,
  );
  const r = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout)).toEqual(['love', 'fear', 'anger']);
  expect(fs.existsSync(path.join(project, 'node_modules', 'emotion-label', 'dist', 'index.d.ts'))).toBe(true);
});

test('the command runs from the installed package', () => {
  const r = spawnSync('npx', ['emotion-label', '--format', 'jsonl', '--no-progress'], {
    cwd: project,
    env,
    input: texts.map((t) => JSON.stringify({ text: t })).join('\n') + '\n',
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status).toBe(0);
  expect(
    r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).label),
  ).toEqual(['love', 'fear', 'anger']);
});
