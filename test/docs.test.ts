import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Command, Option } from 'commander';
import { DEFAULTS } from '../src/app/options';
import { createProgram, EXIT_CODE_HELP } from '../src/cli/main';
import { ERROR_CODES, LabelError } from '../src/errors';
import { DOC_PAGES, ROOT } from './helpers/cli';

/**
 * The documents against the code: links that resolve, the README's options and exit-code tables as
 * `--help` prints them, every error code in docs/formats.md. `UPDATE_DOCS=1 npx jest
 * test/docs.test.ts` rewrites the README's two generated tables instead of failing on them.
 */
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

/** Every Markdown file of the repository (not node_modules, dist or scratch output). */
function markdownFiles(dir = ROOT): string[] {
  const skip = new Set(['node_modules', 'dist', '.git', 'coverage', 'scratch', '.venv', 'out']);
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (skip.has(e.name)) return [];
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return markdownFiles(full);
    return e.name.endsWith('.md') ? [path.relative(ROOT, full).split(path.sep).join('/')] : [];
  });
}

/** Markdown without its fenced code blocks and inline code spans, where links are not links. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/**
 * The anchors GitHub gives a page's headings (and any `<a id>`/`<a name>`): the heading's text in
 * lower case, punctuation dropped, spaces as hyphens, a repeat suffixed -1, -2. Hand-written
 * because github-slugger, the maintained implementation, is ESM-only and this suite is CommonJS.
 */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const code = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm;
  for (const m of text.replace(code, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

describe('links', () => {
  const files = markdownFiles();

  test('the list of pages is complete: every page under docs/ is listed, every listed page exists', () => {
    expect(files.filter((f) => f.startsWith('docs/') && !DOC_PAGES.includes(f))).toEqual([]);
    for (const page of DOC_PAGES) expect([page, fs.existsSync(path.join(ROOT, page))]).toEqual([page, true]);
  });

  test.each(files)('every relative link and #anchor in %s resolves', (file) => {
    const broken: string[] = [];
    for (const m of prose(read(file)).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [rel, anchor] = target.split('#') as [string, string | undefined];
      const resolved = rel === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURI(rel));
      if (!fs.existsSync(resolved)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`${target}: no heading with that anchor`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('the anchor rules give the anchors GitHub gives', () => {
    const a = anchorsOf(
      "# Measure accuracy: `eval`\n## Second round: csv-parse's per-record context (2026-11-28, 03:19–04:01 UTC)\n## Set up\n## Set up\n```sh\n# not a heading\n```\n",
    );
    expect([...a]).toEqual(['measure-accuracy-eval', 'second-round-csv-parses-per-record-context-2026-11-28-03190401-utc', 'set-up', 'set-up-1']);
  });
});

/** The commander program as the CLI builds it, on streams nobody reads. */
function program(): Command {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), stderrIsTTY: false, stdoutIsTTY: false };
  return createProgram(io, new AbortController().signal, () => undefined);
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
// outside code spans, `<label>` would be read as an HTML tag
const prosaic = (s: string) => cell(s).replace(/</g, '\\<');
const row = (a: string, b: string) => `| \`${cell(a)}\` | ${prosaic(b)} |`;

/** The README's options table, rendered from the commander definitions with commander's own help formatter. */
function optionsTable(): string {
  const top = program();
  const evalCmd = top.commands.find((c) => c.name() === 'eval')!;
  const help = top.createHelp();
  // the eval rows: its options that the top level lacks or describes otherwise
  const topDescription = new Map(help.visibleOptions(top).map((o: Option) => [o.flags, help.optionDescription(o)]));
  const rows = [
    ...help.visibleArguments(top).map((a) => row(help.argumentTerm(a), help.argumentDescription(a))),
    ...help.visibleOptions(top).map((o) => row(help.optionTerm(o), help.optionDescription(o))),
    row(help.subcommandTerm(evalCmd), help.subcommandDescription(evalCmd)),
    ...help
      .visibleOptions(evalCmd)
      .filter((o) => topDescription.get(o.flags) !== help.optionDescription(o))
      .map((o) => row(`eval ${help.optionTerm(o)}`, help.optionDescription(o))),
    ...help
      .visibleCommands(top)
      .filter((c) => c.name() === 'help')
      .map((c) => row(help.subcommandTerm(c), help.subcommandDescription(c))),
  ];
  return ['| option | meaning |', '| --- | --- |', ...rows].join('\n');
}

function exitCodesTable(): string {
  return ['| exit code | meaning |', '| --- | --- |', ...EXIT_CODE_HELP.map(([code, meaning]) => `| ${code} | ${prosaic(meaning)} |`)].join('\n');
}

describe.each([
  ['options-table', optionsTable],
  ['exit-codes', exitCodesTable],
])("README.md's %s section", (marker, render) => {
  test('is what --help prints', () => {
    const readme = read('README.md');
    const re = new RegExp(`(<!-- ${marker}:begin -->\\n)([\\s\\S]*?)\\n(<!-- ${marker}:end -->)`);
    expect(readme).toMatch(re);
    const expected = render();
    if (process.env.UPDATE_DOCS)
      fs.writeFileSync(
        path.join(ROOT, 'README.md'),
        readme.replace(re, (_m, a, _old, b) => `${a}${expected}\n${b}`),
      );
    else expect(readme.match(re)![2]).toBe(expected);
  });
});

test('the options table names every format and both embedded models (through --help)', () => {
  const table = optionsTable();
  for (const word of ['csv', 'tsv', 'tsv-quoted', 'jsonl', 'parquet', '.pq', 'default', 'fast']) expect(table).toContain(word);
  expect(table).not.toContain(ROOT); // no machine-specific paths in the help
});

test('--help prints each default from DEFAULTS, the one place they are written', () => {
  const table = optionsTable();
  const shown = (v: string | number) => (typeof v === 'number' && v >= 1024 * 1024 ? `${v / 1024 / 1024} MiB` : String(v));
  for (const [key, value] of Object.entries(DEFAULTS))
    expect([key, table]).toEqual([key, expect.stringContaining(`(default: ${/Name|Column/.test(key) ? `"${value}"` : shown(value)})`)]);
});

test('docs/formats.md lists every error code with the exit code it ends a run with', () => {
  const page = read('docs/formats.md');
  const listed = new Map([...page.matchAll(/^\| `([A-Z_0-9]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])]));
  expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(ERROR_CODES.map((c) => [c, new LabelError(c, '').exitCode])));
});
