#!/usr/bin/env -S node --expose-gc
'use strict';
// --expose-gc: the CLI collects its main heap every few seconds on long runs (src/cli/heap.ts).
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('emotion-label: not built yet; run `npm install` (or `npm run build`) in the package folder\n');
  process.exitCode = 2;
} else {
  require(entry).main(process.argv);
}
