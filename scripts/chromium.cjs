// The command-line flags Debian's chromium is started with, headless, wherever the project drives it
// through playwright-core: scripts/report-screenshots.mjs (the docs' pictures) and
// test/report.browser.test.ts. One list, so that the pictures are taken as the test sees the pages.
// CommonJS, so that both the .mjs script and the test (TypeScript compiled to CommonJS by ts-jest) can
// load it; its types are in chromium.d.cts.
//   --no-sandbox: chromium will not start as root without it (CI and the containers here run as root)
//   --disable-gpu: no GPU; software rendering
//   the rest: no first-run page, and no background traffic (QUIC, component updates, sync)
'use strict';

/** A fresh copy on every call, so that no caller can change another's. */
function chromiumArgs() {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
}

module.exports = { chromiumArgs };
