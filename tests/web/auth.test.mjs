// The GUI's access rules in chromium against the real `dcinstall web`: without the token the
// page explains what to open; with the tokenised URL it shows the installer, keeps the token
// out of the address bar, and reloads fine. Needs no fleet.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { browserSkipReason, launch, newPage, screenshotDir, startServer, stopServer } from './browser.mjs';

const binary = process.env.DCINSTALL_BINARY;
const skip = !binary ? 'DCINSTALL_BINARY is not set (ctest sets it)' : browserSkipReason();

let server;
let session;
let tmp;

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcinstall-gui-auth-'));
  fs.writeFileSync(
    path.join(tmp, 'config.yaml'),
    'cluster_name: authtest\nmaster_list:\n  - 127.0.0.1\nssh_port: 22\n',
  );
  server = await startServer(binary, [
    'web', '--listen', '127.0.0.1:0', '-c', path.join(tmp, 'config.yaml'), '--work-dir', path.join(tmp, 'genconf'),
  ], { cwd: tmp });
  session = await launch();
});

after(async () => {
  await session?.close();
  await stopServer(server);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('without the token the page says to open the printed URL', { skip: skip || false }, async () => {
  const { page, errors } = await newPage(session.context);
  await page.goto(`${server.origin}/`);
  await page.waitForSelector('[data-testid=unauthorized]');
  assert.match(await page.textContent('[data-testid=unauthorized]'), /dcinstall web/);
  await page.screenshot({ path: path.join(screenshotDir(), '00-unauthorized.png') });
  // The only console errors are the refused API calls themselves.
  assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);
  await page.close();
});

test('the tokenised URL opens the installer and survives a reload', { skip: skip || false }, async () => {
  const { page, errors } = await newPage(session.context);
  // Every Content-Security-Policy violation is recorded (chromium also logs it as a console error).
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const index = await page.goto(server.url);
  assert.match((await index.allHeaders())['content-security-policy'] ?? '', /script-src 'self'/);
  await page.waitForSelector('[data-screen=welcome]');
  const port = new URL(server.origin).port;
  const cookies = await session.context.cookies(server.origin);
  assert.deepEqual(cookies.map((c) => c.name), [`dcinstall_token_${port}`]);
  assert.ok(!page.url().includes('token='));
  await page.waitForSelector('[data-testid=connection].conn-live');
  await page.goto(`${server.origin}/#/configure`);
  await page.waitForSelector('[data-screen=configure] [data-key=cluster_name]');
  assert.equal(await page.inputValue('[data-key=cluster_name]'), 'authtest');
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
  // Secrets and keys are never in what the API gives the page.
  assert.deepEqual(errors, []);
  await page.close();
});
