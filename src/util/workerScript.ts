import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The compiled script of a worker thread, named by its path under src/ without the extension (e.g.
 * 'pipeline/classifyWorker'). Workers run JavaScript, so under ts-jest, which runs the .ts sources,
 * the build in dist/ is used.
 */
export function workerScript(fromSrc: string): string {
  const here = path.join(__dirname, '..', `${fromSrc}.js`);
  if (existsSync(here)) return here;
  return path.resolve(__dirname, '../../dist', `${fromSrc}.js`);
}
