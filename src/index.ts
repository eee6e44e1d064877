/**
 * emotion-label as a library: the same labelling the CLI does, for Node programs.
 *
 *   const { createLabeller, labelFile, evaluate } = require('emotion-label');
 *   const labeller = await createLabeller();              // the embedded model; { model: dir } for another
 *   await labeller.label(['i love this', 'so scared']);   // [{ label, confidence, scores }, …]
 *   await labeller.close();
 */
// First: ONNX Runtime's telemetry off before anything can load the runtime (src/util/telemetry.ts).
import './util/telemetry';
export { createLabeller, Labeller, type TextLabel } from './app/labeller';
export { labelFile } from './app/labelFile';
export type { InputSpec } from './app/run';
export { evaluate, evaluateWithSummary } from './app/evaluate';
export type { RunSummary } from './app/run';
export { DEFAULT_MODEL_DIR, type LabellerOptions, type RunOptions, type LabelFileOptions, type EvaluateOptions } from './app/options';
export type { Report, LabelMetrics, ReliabilityBin, SelectiveRow, OutputStats, LabelRunStats, UnlabelledRow } from './metrics';
export { RunStats } from './metrics';
export { renderEvalPage, renderRunPage } from './report';
export { LabelError, EXIT, type ErrorCode } from './errors';
export type { Format } from './io/formats';
