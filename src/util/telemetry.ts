/**
 * ONNX Runtime's telemetry off, before the runtime starts.
 *
 * onnxruntime-node >= 1.29 ships ONNX Runtime's 1DS telemetry on Linux, on by default: every run
 * records events (the OS, a device id, the model's hash) in
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ to upload later. Users feed this tool private
 * text and expect nothing to leave their machine. ORT_DISABLE_TELEMETRY=1 is the runtime's opt-out
 * (the only such name in the 1.31.1 native library; test/telemetry.e2e.test.ts checks that a run
 * with it creates nothing under HOME or TMPDIR).
 *
 * It must be in the process's real environment when the runtime builds its environment (at the
 * first InferenceSession of the process, measured: setting it after require('onnxruntime-node')
 * but before the first session still works). A worker thread's process.env is a copy that native
 * code never sees, so this runs on the main thread: when the library or the CLI is loaded, and
 * again before the workers start (Labeller.create). A value the user set (0 turns telemetry back on) is left alone.
 */
export const TELEMETRY_VARIABLE = 'ORT_DISABLE_TELEMETRY';

export function disableOrtTelemetry(): void {
  // An empty value does not disable it (measured), so it counts as unset.
  if (!process.env[TELEMETRY_VARIABLE]) process.env[TELEMETRY_VARIABLE] = '1';
}

disableOrtTelemetry();
