import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ROOT, runCli } from './helpers/cli';

/**
 * The embedded model (and the fast model, fixtures/fast-model/) through the CLI against an independent reference: the golden file written by
 * training/evaluate_onnx.py (Rust `tokenizers`, Python onnxruntime, scikit-learn; its "command"
 * field is the command that made it, fixtures/default-model/README.md says more) on the two
 * validation sets (in ../shared beside the repository, as in CI).
 *
 * The reference runs onnxruntime with the CLI's session setting (SkipLayerNormFusion off). Both
 * sides give the same label on every row, and probabilities that agree to the 6th decimal
 * (observed: at most 1e-6, the rounding of the two 6-decimal outputs). With onnxruntime's default
 * fusion the labels and counts are the same too, but 49 of the 2,625 rows move by more than 1e-5
 * (at most 0.016): that is why the reference uses the CLI's setting, so that the per-row check can be tight.
 */
interface SetReference {
  /** one data file, or (the neutral view's goemotions7) several read as one: their rows in this order */
  file?: string;
  sha256?: string;
  files?: string[];
  sha256s?: string[];
  n: number;
  correct: number;
  accuracy: number;
  macro_f1: number;
  /** top-label ECE over 15 equal-width bins of the calibrated probabilities (temperature and bias) */
  ece: number;
  predictions: number[];
  probs: number[][];
}
interface Reference {
  command: string;
  model: {
    onnx: string;
    sha256: string;
    tokenizer_sha256: string;
    temperature: number;
    bias: number[];
    /** the model directory's tokenizer_config.json emoji_to_words, and then the SHA-256 of the name table used */
    emoji_to_words?: boolean;
    emoji_table_sha256?: string;
  };
  labels: string[];
  /** "neutral": made with evaluate_onnx.py --neutral (the CLI's --neutral view) */
  view?: string;
  sets: Record<string, SetReference>;
}

const DATA = path.resolve(ROOT, '..', 'shared', 'data');
/** The two shipped models, each with its own reference made by the same command (its "command" field). */
/**
 * A model with a neutral view (config.json "neutral") also has fixtures/<fixture>/reference-neutral.json,
 * made by the same command with --neutral, checked with the CLI's --neutral.
 */
const MODELS = [
  { name: 'embedded model', dir: 'model', fixture: 'default-model', args: [] as string[] },
  { name: 'fast model', dir: 'model-fast', fixture: 'fast-model', args: ['--model', 'fast'] },
].flatMap((m) =>
  [
    { ...m, file: 'reference.json' },
    { ...m, name: `${m.name}, --neutral`, file: 'reference-neutral.json', args: [...m.args, '--neutral'] },
  ]
    .filter((v) => fs.existsSync(path.join(ROOT, 'fixtures', v.fixture, v.file)))
    .map((v) => ({ ...v, reference: JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures', v.fixture, v.file), 'utf8')) as Reference })),
);
const filesOf = (r: SetReference) => r.files ?? [r.file!];
const present = MODELS.every((m) => Object.values(m.reference.sets).every((r) => filesOf(r).every((f) => fs.existsSync(path.join(DATA, f)))));
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'el-golden-'));
/** The file the CLI reads for a set: its one data file, or its files' rows in one CSV (header once). */
function setFile(name: string, r: SetReference): string {
  if (r.file) return path.join(DATA, r.file);
  const out = path.join(TMP, `${name}.csv`);
  const parts = r.files!.map((f, i) => {
    const text = fs.readFileSync(path.join(DATA, f), 'utf8');
    return i === 0 ? text : text.slice(text.indexOf('\n') + 1);
  });
  fs.writeFileSync(out, parts.map((t) => (t.endsWith('\n') ? t : t + '\n')).join(''));
  return out;
}
if (!present) {
  console.warn(`default-model tests skipped: the validation sets under ${DATA} are not there (they come with ../shared beside the repository)`);
}
/** Both validation sets, 4 CLI runs: slow on a busy two-core machine. */
const TIMEOUT = 300_000;
/** Per-row probabilities: both sides are rounded to 6 decimals; observed differences are at most 1e-6. */
const PROB_TOLERANCE = 1e-5;

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe.each(MODELS)('$name ($dir/) against fixtures/$fixture/$file', ({ dir, fixture, file: refFile, args, reference: ref0 }) => {
  test('the reference was made from this model, with its calibration (temperature and bias)', () => {
    const config = JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'config.json'), 'utf8')) as {
      calibration?: { temperature?: number; bias?: number[] };
    };
    const cal = ref0.view === 'neutral' ? (config as { neutral?: { calibration?: typeof config.calibration } }).neutral?.calibration : config.calibration;
    expect(ref0.model.temperature).toBe(cal?.temperature ?? 1);
    expect(ref0.model.bias).toEqual(cal?.bias ?? ref0.labels.map(() => 0));
    const stale = `fixtures/${fixture}/${refFile} was made from another model; remake it with: ${ref0.command}`;
    expect({ model: sha256(path.join(ROOT, dir, ref0.model.onnx)), tokenizer: sha256(path.join(ROOT, dir, 'tokenizer.json')), stale }).toEqual({
      model: ref0.model.sha256,
      tokenizer: ref0.model.tokenizer_sha256,
      stale,
    });
    // made with the emoji-as-words step exactly when the model directory asks for it, and with today's name table
    const tokConfig = JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'tokenizer_config.json'), 'utf8')) as { emoji_to_words?: boolean };
    expect({ emoji_to_words: ref0.model.emoji_to_words ?? false, stale }).toEqual({ emoji_to_words: tokConfig.emoji_to_words ?? false, stale });
    if (tokConfig.emoji_to_words) {
      expect({ table: sha256(path.join(ROOT, 'src', 'tokenizer', 'emojiWords.json')), stale }).toEqual({ table: ref0.model.emoji_table_sha256, stale });
    }
    for (const s of Object.keys(ref0.sets)) {
      const r = ref0.sets[s];
      expect(r.predictions.length).toBe(r.n);
      expect(r.probs.length).toBe(r.n);
    }
  });

  describe.each(Object.keys(ref0.sets))('on %s validation, through the CLI, against the Python reference', (set) => {
    const ref = ref0.sets[set];
    const file = present ? setFile(set, ref) : '';

    (present ? test : test.skip)('the reference was made from these data files', () => {
      expect(filesOf(ref).map((f) => sha256(path.join(DATA, f)))).toEqual(ref.sha256s ?? [ref.sha256]);
    });

    (present ? test : test.skip)(
      'eval --json: the same n, the exact number of correct rows, macro-F1 within 1e-9, ECE within 1e-4',
      async () => {
        const r = await runCli(['eval', file, '--json', '--no-progress', ...args]);
        expect(r.code).toBe(0);
        const report = JSON.parse(r.stdout) as { n: number; accuracy: number; macro_f1: number; ece: number; confusion_matrix: number[][] };
        expect(report.n).toBe(ref.n);
        const correct = Math.round(report.accuracy * report.n);
        expect(Math.abs(report.accuracy * report.n - correct)).toBeLessThan(1e-6); // accuracy is correct / n
        expect(correct).toBe(ref.correct);
        expect(report.confusion_matrix.reduce((a, row, i) => a + row[i], 0)).toBe(ref.correct);
        // Same predictions, but the F1s are summed in another order than scikit-learn's: last-bit differences.
        expect(Math.abs(report.macro_f1 - ref.macro_f1)).toBeLessThanOrEqual(1e-9);
        // float32 (CLI) vs float64 (reference) probabilities: a row on a bin edge could move, so not exact
        expect(Math.abs(report.ece - ref.ece)).toBeLessThan(1e-4);
      },
      TIMEOUT,
    );

    (present ? test : test.skip)(
      'every row: the same label as the reference, probabilities within 1e-5',
      async () => {
        const r = await runCli([file, '--scores', '--label-name', 'predicted', '--no-progress', ...args]);
        expect(r.code).toBe(0);
        const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
        expect(rows.length).toBe(ref.n);
        const labels = ref0.labels;
        const differing = rows
          .map((row, i) => ({ row: i + 2, text: row.text, cli: row.predicted, reference: labels[ref.predictions[i]] }))
          .filter((d) => d.cli !== d.reference);
        expect(differing).toEqual([]);
        const apart = rows.flatMap((row, i) =>
          labels
            .map((l, j) => ({ row: i + 2, label: l, cli: Number(row[`score_${l}`]), reference: ref.probs[i][j] }))
            .filter((d) => !(Math.abs(d.cli - d.reference) <= PROB_TOLERANCE)),
        );
        expect(apart).toEqual([]);
      },
      TIMEOUT,
    );
  });
});

(present ? test : test.skip)(
  'embedded model: the same labels whatever the batching, scores within 1e-5',
  async () => {
    // Static int8 scales make a row's result independent of its batch; only float32 sums over
    // differently padded rows may move the 6th decimal.
    const validation = path.join(DATA, 'emotion', 'validation.csv');
    const lines = fs.readFileSync(validation, 'utf8').split('\n').slice(0, 301).join('\n') + '\n';
    const args = ['--format', 'csv', '--scores', '--label-name', 'predicted'];
    const one = await runCli([...args, '--batch-size', '1', '--workers', '1'], { stdin: lines });
    const many = await runCli([...args, '--batch-size', '32', '--workers', '2'], { stdin: lines });
    expect(one.code).toBe(0);
    expect(many.code).toBe(0);
    const rows = (out: string) =>
      out
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','));
    const a = rows(one.stdout);
    const b = rows(many.stdout);
    expect(a.length).toBe(300);
    expect(b.map((r) => r.slice(0, 3))).toEqual(a.map((r) => r.slice(0, 3))); // text, gold, predicted label
    a.forEach((r, i) => r.slice(3).forEach((x, j) => expect(Math.abs(Number(x) - Number(b[i][3 + j]))).toBeLessThan(1e-5)));
  },
  TIMEOUT,
);
