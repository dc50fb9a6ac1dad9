// Headless Chromium from Debian (never downloaded): see ../../../../shared/tools/BROWSER.md.
// The server under test: ENTENTE_BIN (a built `entente` binary) or `cargo run`, on a private
// in-memory database and a fixed local port.
const { defineConfig } = require('@playwright/test');
const os = require('os');
const path = require('path');

const port = process.env.ENTENTE_BROWSER_PORT || '18931';
const bin = process.env.ENTENTE_BIN || 'cargo run -q -p entente-cli --';

module.exports = defineConfig({
  testDir: '.',
  timeout: 120000,
  workers: 1,
  reporter: 'list',
  // screenshots and traces go to a temporary folder, never into the repository
  outputDir: path.join(os.tmpdir(), 'entente-browser-results'),
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] },
  },
  webServer: {
    command: `${bin} serve --db sqlite::memory: --addr 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/login`,
    timeout: 600000,
    reuseExistingServer: false,
  },
});
