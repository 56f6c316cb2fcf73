// The GUI part of causes_test.sh, in Debian's chromium against the real `dcinstall web` on the
// work dir that test's preflight left (two causes: a port taken on 3 agents, 1 agent cut off):
// the Preflight screen's "Failures by cause" panel lists both with their counts; clicking the
// port cause filters the host table to its 3 hosts; "Retry these hosts" retries them (the
// listeners are gone by then, so they pass) and nothing else.
//
//   node causes_gui.mjs DCINSTALL CONFIG WORK_DIR CUT_ADDRESS TAKEN_ADDRESS...
// Exit 0 passed, 1 failed (what failed on stderr), 77 no chromium or web/node_modules.

import assert from 'node:assert/strict';
import { browserSkipReason, launch, newPage, startServer, stopServer } from '../web/browser.mjs';

const [binary, config, workDir, cut, ...taken] = process.argv.slice(2);
const skip = browserSkipReason();
if (skip) {
  console.log(`skip: ${skip}`);
  process.exit(77);
}

const server = await startServer(binary, ['web', '--listen', '127.0.0.1:0', '-c', config, '--work-dir', workDir]);
const session = await launch();
let failed = false;
try {
  const { page, errors } = await newPage(session.context);
  await page.goto(server.url);
  await page.evaluate(() => { window.location.hash = '#/preflight'; });
  await page.waitForSelector('[data-testid=failure-causes]', { timeout: 30000 });
  const causes = await page.$$eval('[data-testid=failure-cause]', (els) =>
    els.map((e) => ({ cause: e.dataset.cause, count: Number(e.dataset.count) })));
  console.log('panel:', JSON.stringify(causes));
  assert.equal(causes.length, 2, 'two causes');
  assert.equal(causes[0].count, 3);
  assert.match(causes[0].cause, /^check requirements-port-2379: port 2379 is in use/);
  assert.equal(causes[1].count, 1);
  assert.match(causes[1].cause, /^unreachable: /);

  // A click filters the host table to the cause's hosts.
  await page.click(`[data-testid=failure-cause][data-cause="${causes[0].cause}"]`);
  await page.waitForSelector('[data-testid=cause-filter]');
  await page.waitForFunction(() => document.querySelector('[data-testid=host-count]')?.textContent?.startsWith('3 hosts'));
  const rows = await page.$$eval('[data-host]', (els) => [...new Set(els.map((e) => e.getAttribute('data-host')))]);
  console.log('filtered table:', rows.join(' '));
  assert.deepEqual(rows.sort(), taken.map((a) => `${a}:22`).sort());

  // Clicking the other cause shows only the cut host.
  await page.click(`[data-testid=failure-cause][data-cause="${causes[1].cause}"]`);
  await page.waitForFunction(() => document.querySelector('[data-testid=host-count]')?.textContent?.startsWith('1 host'));
  const cutRows = await page.$$eval('[data-host]', (els) => [...new Set(els.map((e) => e.getAttribute('data-host')))]);
  assert.deepEqual(cutRows, [`${cut}:22`]);

  // Retry the port's hosts only.
  await page.click(`[data-testid=failure-cause][data-cause="${causes[0].cause}"]`);
  await page.click('[data-testid=retry-cause]');
  const headers = { Authorization: `Bearer ${server.token}` };
  const until = Date.now() + 180000;
  let status;
  for (;;) {
    status = await (await fetch(`${server.origin}/api/v1/status`, { headers })).json();
    if (!status.running && status.run?.command?.includes('--cause')) break;
    assert.ok(Date.now() < until, 'the retry did not end within 3 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log('retry run:', status.run.command, status.run.outcome);
  // The panel now shows the one cause left.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=failure-cause]').length === 1, null, { timeout: 30000 });
  const left = await page.$$eval('[data-testid=failure-cause]', (els) => els.map((e) => e.dataset.cause));
  assert.match(left[0], /^unreachable: /);
  const failures = await (await fetch(`${server.origin}/api/v1/failures?stage=preflight`, { headers })).json();
  assert.equal(failures.total, 1);
  assert.deepEqual(errors, [], 'no console errors');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await session.close();
  await stopServer(server);
}
process.exit(failed ? 1 : 0);
