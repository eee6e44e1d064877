// Fixed memory cost of an empty worker thread and of loading parquet-wasm, in a worker (W, Wp) and/or the main
// thread (M): prints MODE rss-at-start rss-now peak-RSS (MB).
//   for m in none W Wp M WpM; do node bench/parquet-wasm-fixed.cjs $m; done
const { Worker } = require('node:worker_threads');
const mode = process.argv[2];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const r0 = process.memoryUsage().rss;
  let w;
  if (mode.includes('W')) {
    w = new Worker(mode.includes('Wp') ? "require('parquet-wasm'); setInterval(()=>{},1000)" : 'setInterval(()=>{},1000)', { eval: true });
    await sleep(1500);
  }
  if (mode.includes('M')) {
    require('parquet-wasm');
  }
  await sleep(1500);
  console.log(mode, Math.round(r0 / 1e6), Math.round(process.memoryUsage().rss / 1e6), Math.round(process.resourceUsage().maxRSS / 1e3));
  process.exit(0);
})();
