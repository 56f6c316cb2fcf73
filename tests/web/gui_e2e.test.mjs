// The web GUI end to end, in Debian's chromium, against the real `dcinstall web` on the test
// fleet: open the tokenised URL, fill the configuration (with a live field error, fixed), run
// preflight, deploy and postflight by clicking, reach Success, open a host's log, download the
// support bundle. A screenshot of every screen goes to build/screenshots/ (DCINSTALL_SCREENSHOTS).
//
// Needs: DCINSTALL_BINARY (set by ctest), DCINSTALL_TEST_FLEET (set by `make test`), chromium and
// web/node_modules (`make deps`). Skips with the reason when one is missing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  browserSkipReason, launch, newPage, screenshotDir, startServer, stopServer,
} from './browser.mjs';

const fleet = process.env.DCINSTALL_TEST_FLEET;
const binary = process.env.DCINSTALL_BINARY;
const skip = !binary
  ? 'DCINSTALL_BINARY is not set (ctest sets it)'
  : !fleet
    ? 'DCINSTALL_TEST_FLEET is not set: the GUI end-to-end test needs the test fleet (make test brings it up)'
    : browserSkipReason();

const STAGE_TIMEOUT = 6 * 60 * 1000;

// The fleet's config-fragment.yaml: flat `key: value` lines and `key:` + `- item` lists.
export function parseFragment(text) {
  const values = {};
  let list = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trimEnd();
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const item = line.match(/^\s*-\s+(.*)$/);
    if (item && list) {
      values[list].push(item[1].trim());
      continue;
    }
    const kv = line.match(/^([A-Za-z0-9_]+):\s*(.*)$/);
    if (!kv) continue;
    if (kv[2] === '' || kv[2] === '[]') {
      values[kv[1]] = [];
      list = kv[1];
    } else {
      values[kv[1]] = kv[2].replace(/^"(.*)"$/, '$1');
      list = null;
    }
  }
  return values;
}

let server;
let browserSession;
let tmp;

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcinstall-gui-e2e-'));
  server = await startServer(binary, [
    'web', '--listen', '127.0.0.1:0', '-c', path.join(tmp, 'config.yaml'), '--work-dir', path.join(tmp, 'genconf'),
  ], { cwd: tmp });
  browserSession = await launch();
});

after(async () => {
  if (server) {
    // Leave the shared fleet as it was found: uninstall what the test installed.
    try {
      const headers = { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' };
      const start = await fetch(`${server.origin}/api/v1/runs`, {
        method: 'POST', headers, body: JSON.stringify({ action: 'uninstall', retry_failed: false }),
      });
      if (start.ok) {
        const until = Date.now() + 180000;
        while (Date.now() < until) {
          const s = await (await fetch(`${server.origin}/api/v1/status`, { headers })).json();
          if (!s.running) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } catch {
      // best effort
    }
  }
  await browserSession?.close();
  await stopServer(server);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function shot(page, name, options = {}) {
  await page.screenshot({ path: path.join(screenshotDir(), `${name}.png`), ...options });
}

// Waits until the stage screen shows the stage finished, and fails with what the page says if it
// failed.
async function waitForStage(page, name) {
  await page.waitForFunction(
    () => {
      const badge = document.querySelector('[data-screen] h1 .badge');
      const state = badge?.getAttribute('data-state');
      const check = document.querySelector('[data-testid=cluster-check]')?.getAttribute('data-state');
      return state === 'failed' || state === 'cancelled' || check === 'failed' || document.querySelector('[data-testid=next-screen]');
    },
    null,
    { timeout: STAGE_TIMEOUT, polling: 250 },
  );
  let state = await page.getAttribute('[data-screen] h1 .badge', 'data-state');
  if (state === 'succeeded' && name === 'postflight') {
    state = (await page.getAttribute('[data-testid=cluster-check]', 'data-state')) === 'failed' ? 'failed (cluster check)' : state;
  }
  if (state !== 'succeeded') {
    await shot(page, `failed-${name}`, { fullPage: true });
    const summary = await page.textContent('[data-testid=stage-summary]').catch(() => '');
    const rows = await page.$$eval('.table-row.state-failed', (els) => els.map((e) => e.textContent)).catch(() => []);
    assert.fail(`${name} ended ${state}: ${summary}\n${rows.join('\n')}`);
  }
}

test('installs the test fleet by clicking through every screen', { skip: skip || false, timeout: 25 * 60 * 1000 }, async () => {
  const fragment = parseFragment(fs.readFileSync(path.join(fleet, 'config-fragment.yaml'), 'utf8'));
  const { page, errors } = await newPage(browserSession.context);

  // 1. Welcome, through the tokenised URL (the token becomes a cookie and leaves the address bar).
  await page.goto(server.url);
  await page.waitForSelector('[data-screen=welcome]');
  assert.ok(!page.url().includes('token='), `the token stays in the address bar: ${page.url()}`);
  await page.waitForSelector('[data-testid=cluster-summary] .actions');
  await shot(page, '01-welcome');

  // 2. Configure: fill the form from the fleet's fragment.
  await page.click('[data-testid=start-configure]');
  await page.waitForSelector('[data-screen=configure] .fields');
  await page.fill('[data-key=cluster_name]', 'guie2e');
  for (const key of ['master_list', 'agent_list', 'public_agent_list']) {
    await page.fill(`[data-key=${key}]`, (fragment[key] ?? []).join('\n'));
  }
  await page.fill('[data-key=ssh_user]', fragment.ssh_user ?? 'root');
  await page.fill('[data-key=ssh_known_hosts_path]', fragment.ssh_known_hosts_path);
  await page.selectOption('[data-key=ssh_host_key_policy]', fragment.ssh_host_key_policy ?? 'strict');
  // The key goes up through the upload button; the server stores it and fills ssh_key_path.
  await page.setInputFiles('[data-testid=ssh-key-file]', fragment.ssh_key_path);
  await page.waitForSelector('[data-testid=ssh-key-state].tone-ok', { timeout: 15000 });
  const keyPath = await page.inputValue('[data-key=ssh_key_path]');
  assert.ok(keyPath.length > 0, 'the uploaded key fills ssh_key_path');

  // A live error beside the field while typing, then fixed.
  await page.fill('[data-key=ssh_port]', '');
  await page.type('[data-key=ssh_port]', `${fragment.ssh_port ?? 22}x`, { delay: 30 });
  const error = await page.waitForSelector('[data-testid=error-ssh_port]', { timeout: 10000 });
  assert.match(await error.textContent(), /\S/);
  assert.equal(await page.isDisabled('[data-testid=run-preflight]'), true, 'Run preflight is disabled while invalid');
  await page.$eval('[data-field=ssh_port]', (el) => el.scrollIntoView({ block: 'center' }));
  await shot(page, '02-configure-live-error');
  await page.press('[data-key=ssh_port]', 'Backspace');
  await page.waitForSelector('[data-testid=error-ssh_port]', { state: 'detached', timeout: 10000 });
  await page.waitForSelector('[data-testid=validity].tone-ok', { timeout: 10000 }).catch(async (e) => {
    await page.click('[data-testid=validity]');
    const problems = await page.$$eval('[role=alert]', (els) => els.map((el) => el.textContent));
    assert.fail(`the configuration stays invalid: ${problems.join(' | ')} (${e.message})`);
  });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '03-configure-valid');

  // 3. Preflight.
  await page.click('[data-testid=run-preflight]');
  await page.waitForSelector('[data-screen=preflight]');
  await waitForStage(page, 'preflight');
  // The config does not set install_prereqs: the checkbox starts unchecked.
  assert.equal(await page.isChecked('[data-testid=install-prereqs]'), false);
  await page.click('.table-row');
  await page.waitForSelector('.row-detail .step, .row-detail .muted');
  await shot(page, '04-preflight');

  // 4. Deploy: masters first, then agents.
  await page.click('[data-testid=next-screen]');
  await page.waitForSelector('[data-screen=deploy]');
  await page.click('[data-testid=start-stage]');
  await page.waitForSelector('[data-screen=deploy] h1 .badge[data-state=running]', { timeout: 30000 }).catch(() => {});
  await shot(page, '05-deploy-running');
  await waitForStage(page, 'deploy');
  await shot(page, '05-deploy');

  // 5. Postflight, then the cluster check.
  await page.click('[data-testid=next-screen]');
  await page.waitForSelector('[data-screen=postflight]');
  await page.click('[data-testid=start-stage]');
  await waitForStage(page, 'postflight');
  await page.waitForSelector('[data-testid=cluster-check][data-state=succeeded]');
  await shot(page, '06-postflight');

  // 6. Success; a reload restores it from the server.
  await page.click('[data-testid=next-screen]');
  await page.waitForSelector('[data-testid=success-title]');
  await page.reload();
  await page.waitForSelector('[data-testid=success-title]');
  const masters = await page.$$eval('[data-testid=masters] li', (els) => els.length);
  assert.equal(masters, (fragment.master_list ?? []).length);
  // Every host of the cluster counts, not the one master the cluster check ran on.
  const hostCount = ['master_list', 'agent_list', 'public_agent_list'].reduce((n, k) => n + (fragment[k] ?? []).length, 0);
  const lead = await page.textContent('[data-testid=success-summary]');
  assert.match(lead, new RegExp(`^All ${hostCount} hosts? passed postflight \\(${masters} masters?, `), lead);
  await shot(page, '07-success');

  // 7. Logs: a host's log, searched; then the support bundle.
  await page.click('a[href="#/logs"]');
  await page.waitForSelector('[data-screen=logs] .picker-item');
  const host = await page.getAttribute('[data-screen=logs] .picker-item', 'data-host');
  await page.click(`[data-screen=logs] .picker-item[data-host="${host}"]`);
  await page.waitForSelector(`[data-testid=log-host]:has-text("${host}")`);
  await page.waitForSelector('.log-panel .step', { timeout: 15000 });
  const steps = await page.$$eval('.log-panel .step', (els) => els.length);
  assert.ok(steps > 0, `${host} has logged steps`);
  await shot(page, '08-logs');

  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60000 }),
    page.click('[data-testid=download-support-bundle]'),
  ]);
  assert.match(download.suggestedFilename(), /^dcinstall-support-.*\.tar\.gz$/);
  const saved = path.join(tmp, download.suggestedFilename());
  await download.saveAs(saved);
  const bytes = fs.readFileSync(saved);
  assert.ok(bytes.length > 20, 'the support bundle is not empty');
  assert.equal(bytes[0], 0x1f);
  assert.equal(bytes[1], 0x8b, 'the support bundle is gzip');

  assert.deepEqual(errors, [], 'no console errors');
});
