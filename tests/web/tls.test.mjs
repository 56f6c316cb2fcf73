// The GUI in chromium over HTTPS (`dcinstall web --tls-cert/--tls-key`, a certificate made here
// by openssl): the tokenised https URL opens the installer, the token cookie is Secure and
// HttpOnly, and the live event stream connects. Needs no fleet.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcinstall-gui-tls-'));
  fs.writeFileSync(path.join(tmp, 'config.yaml'), 'cluster_name: tlsgui\nmaster_list:\n  - 127.0.0.1\n');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', '2', '-keyout', path.join(tmp, 'key.pem'), '-out', path.join(tmp, 'cert.pem'),
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  server = await startServer(binary, [
    'web', '--listen', '127.0.0.1:0', '-c', path.join(tmp, 'config.yaml'), '--work-dir', path.join(tmp, 'genconf'),
    '--tls-cert', path.join(tmp, 'cert.pem'), '--tls-key', path.join(tmp, 'key.pem'),
  ], { cwd: tmp });
  session = await launch({ ignoreHTTPSErrors: true });
});

after(async () => {
  await session?.close();
  await stopServer(server);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('over HTTPS the tokenised URL opens the installer with a Secure cookie and live events', { skip: skip || false }, async () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/\?token=/);
  const { page, errors } = await newPage(session.context);
  await page.goto(server.url);
  await page.waitForSelector('[data-screen=welcome]');
  assert.ok(page.url().startsWith('https://') && !page.url().includes('token='));
  await page.waitForSelector('[data-testid=connection].conn-live');
  const port = new URL(server.origin).port;
  const cookie = (await session.context.cookies(server.origin)).find((c) => c.name === `__Host-dcinstall_token_${port}`);
  assert.ok(cookie, 'the token cookie is set');
  assert.equal(cookie.secure, true);
  assert.equal(cookie.httpOnly, true);
  await page.goto(`${server.origin}/#/configure`);
  await page.waitForSelector('[data-screen=configure] [data-key=cluster_name]');
  assert.equal(await page.inputValue('[data-key=cluster_name]'), 'tlsgui');
  await page.screenshot({ path: path.join(screenshotDir(), '00-https.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
