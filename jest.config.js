// The parity tests load onnxruntime-node through transformers.js in jest's workers, which inherit this
// environment: ONNX Runtime's telemetry off for them too (src/util/telemetry.ts).
if (!process.env.ORT_DISABLE_TELEMETRY) process.env.ORT_DISABLE_TELEMETRY = '1';

/** @type {import('jest').Config} */
module.exports = {
  // Type checking is done once by `tsc -p tsconfig.test.json` in `npm test`; jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testTimeout: 120000,
  // End-to-end tests spawn CLI processes that each start worker threads; this machine has two cores.
  maxWorkers: 2,
};
