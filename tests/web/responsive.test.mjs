// The GUI stays responsive with a 10,000-host run in state: the real `dcinstall web` is started
// on a state file holding a finished preflight over 10,000 hosts (made by make_big_state.py;
// the hosts are never contacted), and chromium measures the time to render a filter and the frame
// times while the virtualized host table scrolls. The same state records every host as running an
// older bundle, so the upgrade plan has all 10,000 hosts: Welcome previews its first waves, the
// Upgrade screen draws all 24 with a few rows each, and a batch of 900 agents opens at once.
//
// DCINSTALL_WEB_MOCK=1 runs it against tests/web/mock_server.mjs instead (front-end development).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { browserSkipReason, launch, newPage, root, screenshotDir, startServer, stopServer } from './browser.mjs';

const HOSTS = 10000;
const useMock = process.env.DCINSTALL_WEB_MOCK === '1';
const binary = process.env.DCINSTALL_BINARY;
const skip = !useMock && !binary ? 'DCINSTALL_BINARY is not set (ctest sets it)' : browserSkipReason();

let server;
let session;
let tmp;

function writeConfig(dir) {
  // 3 masters, 9,000 agents, 997 public agents on 127.201.x.y: loopback, never dialled.
  const addr = (i) => `127.201.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  const lists = { master_list: [], agent_list: [], public_agent_list: [] };
  const hostsFile = [];
  for (let i = 0; i < HOSTS; i++) {
    const [key, role] = i < 3 ? ['master_list', 'master'] : i < 9003 ? ['agent_list', 'agent'] : ['public_agent_list', 'public_agent'];
    lists[key].push(addr(i));
    hostsFile.push(`${addr(i)}:22 ${role}`);
  }
  let yaml = 'cluster_name: big\nssh_port: 22\n';
  for (const [k, v] of Object.entries(lists)) yaml += `${k}:\n${v.map((a) => `  - ${a}\n`).join('')}`;
  fs.writeFileSync(path.join(dir, 'config.yaml'), yaml);
  fs.writeFileSync(path.join(dir, 'hosts.txt'), hostsFile.join('\n') + '\n');
}

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcinstall-gui-big-'));
  if (useMock) {
    server = await startServer('node', [path.join(root, 'tests/web/mock_server.mjs'), '--hosts', String(HOSTS)]);
  } else {
    writeConfig(tmp);
    const args = ['web', '--listen', '127.0.0.1:0', '-c', path.join(tmp, 'config.yaml'), '--work-dir', path.join(tmp, 'genconf')];
    // First start creates the state file with its schema; then it is filled and read at start.
    const first = await startServer(binary, args, { cwd: tmp });
    await stopServer(first);
    execFileSync('python3', [
      path.join(root, 'tests/web/make_big_state.py'), path.join(tmp, 'genconf', 'state.db'), path.join(tmp, 'hosts.txt'),
    ]);
    server = await startServer(binary, args, { cwd: tmp });
  }
  session = await launch();
});

after(async () => {
  await session?.close();
  await stopServer(server);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const countText = (page) => page.textContent('[data-testid=host-count]');

test('a 10,000-host preflight filters fast and scrolls smoothly', { skip: skip || false, timeout: 180000 }, async () => {
  const { page, errors } = await newPage(session.context);
  await page.goto(server.url);
  await page.waitForSelector('[data-screen]');
  await page.goto(`${server.origin}/#/preflight`);
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=host-count]')?.textContent === `${n.toLocaleString('en-US')} hosts`,
    HOSTS,
    { timeout: 30000 },
  );
  // Only the rows in view are in the DOM.
  const domRows = await page.$$eval('.table-row', (els) => els.length);
  assert.ok(domRows < 80, `${domRows} rows in the DOM for ${HOSTS} hosts: the table is not virtualized`);

  // Scroll: 2,000 px per frame for 150 frames. Frame intervals are wall time (they stretch when
  // the machine is busy); the renderer's own work per frame (script + style + layout, from
  // DevTools' Performance metrics) is what the table costs.
  const cdp = await session.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const work = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n) => metrics.find((m) => m.name === n)?.value ?? 0;
    return get('ScriptDuration') + get('LayoutDuration') + get('RecalcStyleDuration');
  };
  const work0 = await work();
  const frames = await page.evaluate(async () => {
    const body = document.querySelector('.table-body');
    const times = [];
    let last = performance.now();
    for (let i = 0; i < 150; i++) {
      body.scrollTop += 2000;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    return { times, scrollTop: body.scrollTop };
  });
  const workPerFrame = ((await work()) - work0) * 1000 / frames.times.length;
  const sorted = [...frames.times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const p95 = sorted[Math.floor(sorted.length * 0.95)];
  console.log(`scroll: renderer work ${workPerFrame.toFixed(1)} ms/frame; frame interval median ${median.toFixed(1)} ms, ` +
    `p95 ${p95.toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms over ${sorted.length} frames`);
  assert.ok(frames.scrollTop > 100000, 'the table scrolled far');
  // Virtualization is checked exactly below (rows in the DOM); the frame budget is two 60 Hz
  // frames, since this shares 2 loaded cores with the rest of `make test` (18 ms seen under
  // load, ~8 ms quiet); a table rendering all 10,000 rows costs hundreds of ms per frame.
  assert.ok(workPerFrame < 33, `${workPerFrame.toFixed(1)} ms of script/style/layout per scrolled frame`);
  assert.ok(median < 50, `median frame interval ${median.toFixed(1)} ms while scrolling`);

  // Rows come in at the scrolled-to position.
  await page.waitForFunction(() => document.querySelectorAll('.table-row[data-host]').length > 5, null, { timeout: 10000 });
  const rowsInDom = await page.evaluate(() => document.querySelectorAll('.table-row[data-host]').length);
  assert.ok(rowsInDom < 200, `${rowsInDom} host rows in the DOM for 10,000 hosts: the table is not virtualized`);
  await page.screenshot({ path: path.join(screenshotDir(), '10-big-scrolled.png') });

  // Time to render a filter, measured in the page: from the input event to the new count and
  // only matching rows on screen (includes the 120 ms typing debounce and the server round trip).
  const timeFilter = async (action, done) => {
    await page.evaluate((doneSrc) => {
      window.__filter = { start: 0, end: 0 };
      const check = new Function('return (' + doneSrc + ')()');
      const start = () => { if (!window.__filter.start) window.__filter.start = performance.now(); };
      document.querySelector('.host-table input[type=search]').addEventListener('input', start, { once: true });
      document.querySelector('.host-table select[aria-label=State]').addEventListener('change', start, { once: true });
      const observer = new MutationObserver(() => {
        if (window.__filter.start && check()) {
          window.__filter.end = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document.querySelector('.host-table'), { subtree: true, childList: true, characterData: true, attributes: true });
    }, done.toString());
    await action();
    await page.waitForFunction(() => window.__filter.end > 0, null, { timeout: 5000 }).catch(async (e) => {
      console.log("DEBUG", await page.evaluate(() => JSON.stringify({ f: window.__filter, c: document.querySelector("[data-testid=host-count]").textContent, rows: [...document.querySelectorAll(".table-row[data-host]")].slice(0, 3).map((r) => r.getAttribute("data-host")) })));
      throw e;
    });
    return page.evaluate(() => window.__filter.end - window.__filter.start);
  };

  const textMs = await timeFilter(
    () => page.fill('.host-table input[type=search]', '127.201.7.'),
    () => {
      const rows = [...document.querySelectorAll('.table-row[data-host]')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-host').includes('127.201.7.')) &&
        !/^10,000/.test(document.querySelector('[data-testid=host-count]').textContent);
    },
  );
  const apiMs = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/hosts')).slice(-3).map((e) => Math.round(e.duration)));
  console.log(`filter by text: ${textMs.toFixed(0)} ms to render (${await countText(page)}); last /hosts calls took ${apiMs.join(', ')} ms`);
  assert.ok(textMs < 500, `filter took ${textMs.toFixed(0)} ms`);

  const stateMs = await timeFilter(
    () => page.selectOption('.host-table select[aria-label=State]', 'failed'),
    () => {
      const rows = [...document.querySelectorAll('.table-row[data-host]')];
      return rows.length > 0 && rows.every((r) => r.classList.contains('state-failed'));
    },
  );
  console.log(`filter by state: ${stateMs.toFixed(0)} ms to render (${await countText(page)})`);
  assert.ok(stateMs < 500, `state filter took ${stateMs.toFixed(0)} ms`);
  await page.screenshot({ path: path.join(screenshotDir(), '11-big-filtered.png') });

  // Clearing the filters brings all hosts back.
  await page.fill('.host-table input[type=search]', '');
  await page.selectOption('.host-table select[aria-label=State]', '');
  await page.waitForFunction((n) => document.querySelector('[data-testid=host-count]')?.textContent === `${n.toLocaleString('en-US')} hosts`, HOSTS);

  assert.deepEqual(errors, [], 'no console errors');
});

test('a 10,000-host upgrade plan: Welcome and the Upgrade screen draw its waves with few rows', { skip: skip || (useMock && 'the mock server has no upgrade plan') || false, timeout: 180000 }, async () => {
  const { page, errors } = await newPage(session.context);
  const headers = { Authorization: `Bearer ${server.token}` };
  let t = Date.now();
  const plan = await (await fetch(`${server.origin}/api/v1/plan?action=upgrade`, { headers })).json();
  const planMs = Date.now() - t;
  assert.equal(plan.hosts_changing, HOSTS);
  const cdp = await session.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const work = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n) => metrics.find((m) => m.name === n)?.value ?? 0;
    return (get('ScriptDuration') + get('LayoutDuration') + get('RecalcStyleDuration')) * 1000;
  };

  await page.goto(`${server.origin}/#/welcome`);
  const work0 = await work();
  t = Date.now();
  const offer = await page.waitForSelector('[data-testid=upgrade-offer] [data-testid=start-upgrade]', { timeout: 60000 });
  const welcomeMs = Date.now() - t;
  const welcomeWork = (await work()) - work0;
  assert.match(await offer.textContent(), /Upgrade 10,000 hosts/);
  // Welcome previews the first waves and counts the rest.
  const preview = await page.$$eval('[data-testid=upgrade-offer] [data-testid=wave]', (els) => els.map((w) => w.dataset.label));
  assert.deepEqual(preview, plan.waves.slice(0, 6).map((w) => w.label), 'the first waves, in order');
  assert.match(await page.textContent('[data-testid=more-waves]'), new RegExp(`${plan.waves.length - 6} more waves`));
  const rows = await page.$$eval('.wave-host', (els) => els.length);
  assert.ok(rows <= preview.length * 8, `${rows} host rows in the DOM for ${HOSTS} hosts`);
  await page.screenshot({ path: path.join(screenshotDir(), '12-big-upgrade-plan.png') });

  // The Upgrade screen; then the first agent batch opened in full.
  await page.click('a[href="#/upgrade"]');
  await page.waitForSelector('[data-screen=upgrade] [data-testid=wave]', { timeout: 60000 });
  const waves = await page.$$eval('[data-screen=upgrade] [data-testid=wave]', (els) => els.map((w) => w.dataset.label));
  assert.deepEqual(waves, plan.waves.map((w) => w.label), 'the Upgrade screen: every wave, in order');
  const screenRows = await page.$$eval('[data-screen=upgrade] .wave-host', (els) => els.length);
  assert.ok(screenRows <= waves.length * 8, `${screenRows} host rows on the Upgrade screen for ${HOSTS} hosts`);
  const batch = plan.waves.find((w) => w.role === 'agent');
  const more = `[data-screen=upgrade] [data-testid=wave][data-label="${batch.label}"] button`;
  await page.waitForSelector(more);
  const work1 = await work();
  t = Date.now();
  await page.click(more);
  await page.waitForFunction(
    ([label, n]) => document.querySelectorAll(`[data-screen=upgrade] [data-testid=wave][data-label="${label}"] .wave-host`).length === n,
    [batch.label, batch.hosts.length],
    { timeout: 10000 },
  );
  const openMs = Date.now() - t;
  const openWork = (await work()) - work1;
  console.log(`upgrade plan of ${HOSTS} hosts: GET /plan ${planMs} ms (genconf on the server); Welcome drew ${preview.length} of ${waves.length} waves ` +
    `in ${welcomeMs} ms after navigation (${welcomeWork.toFixed(0)} ms of script/style/layout, ${rows} host rows); ` +
    `opening a batch of ${batch.hosts.length}: ${openMs} ms (${openWork.toFixed(0)} ms of work)`);
  // The page's own work, not the server's genconf (two plans, upgrade and rollback, one after
  // the other: seconds for 10,000 hosts). Quiet: ~110 ms for Welcome, ~430 ms to open 900 rows;
  // twice that seen on the loaded machine, so the budgets are about three times the quiet figure.
  assert.ok(welcomeWork < 1500, `Welcome's work for the plan: ${welcomeWork.toFixed(0)} ms`);
  assert.ok(openWork < 1500, `opening a batch of ${batch.hosts.length}: ${openWork.toFixed(0)} ms of work`);
  await page.screenshot({ path: path.join(screenshotDir(), '13-big-upgrade-batch.png') });
  assert.deepEqual(errors, [], 'no console errors');
});
