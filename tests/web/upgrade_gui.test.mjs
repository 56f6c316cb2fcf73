// The Upgrade screen end to end, in Debian's chromium, against the real `dcinstall web` on a
// private fleet (3 masters, 1 agent, real etcd) installed by `dcinstall install`:
//   - nothing to upgrade: the Welcome screen offers nothing;
//   - etcd_heartbeat_interval_ms changed (PUT /config, as the Configure screen saves): Welcome
//     offers "Upgrade 3 hosts" with the plan (3 master waves in order, each with its reason);
//   - started from Welcome, the Upgrade screen follows it live (the phase names the master; the
//     host goes through its steps); Pause during the first master: it finishes, the screen says
//     paused and how to resume; the other masters were never touched;
//   - Resume upgrades the 2 masters left, one at a time, and the screen says completed;
//   - a bundle whose health check fails on the first master: it is rolled back, the upgrade
//     halts, the screen names the host, the failing check, that it was rolled back; the other
//     masters stay waiting (a reload mid-run brings the live screen back). Welcome then offers
//     the rollback of the last upgrade.
// Every DOM change of the host rows is recorded in the page (a MutationObserver), so the test
// checks the order it saw: never two masters changing at once.
//
// Needs: DCINSTALL_BINARY (set by ctest), root (the fleet's namespaces), chromium and
// web/node_modules. Skips with the reason when one is missing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { browserSkipReason, launch, newPage, root, screenshotDir, startServer, stopServer } from './browser.mjs';

const binary = process.env.DCINSTALL_BINARY;
const fleetTool = path.join(root, 'tools', 'fleet', 'fleet');
const reference = binary ? path.join(path.dirname(binary), 'share', 'dcinstall', 'distributions', 'reference') : '';
const skip = !binary
  ? 'DCINSTALL_BINARY is not set (ctest sets it)'
  : process.getuid?.() !== 0
    ? 'the test fleet needs root (network namespaces)'
    : !fs.existsSync(path.join(reference, 'distribution.yaml'))
      ? `the built reference distribution is missing (${reference})`
      : browserSkipReason();

const RUN_TIMEOUT = 4 * 60 * 1000;

let tmp;
let fleetDir;
let configPath;
let workDir;
let server;
let browserSession;
let masters = [];

function log(message) {
  process.stdout.write(`# ${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

// A copy of the reference distribution with one more master health check, failing on the
// addresses in the parameter test_broken_on (a new bundle that never becomes healthy there).
function brokenDistribution(dir) {
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of ['files', 'templates', 'distribution.yaml']) {
    fs.cpSync(path.join(reference, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(reference, 'artifacts'), path.join(dir, 'artifacts'));
  fs.writeFileSync(
    path.join(dir, 'templates', 'check-broken.sh.mustache'),
    '#!/bin/bash\ncase " {{test_broken_on}} " in *" $DCINSTALL_ADDRESS "*) echo "broken on purpose on $DCINSTALL_ADDRESS"; exit 1 ;; esac\nexit 0\n',
  );
  const file = path.join(dir, 'distribution.yaml');
  let text = fs.readFileSync(file, 'utf8');
  text = text.replace(
    'parameters:\n',
    'parameters:\n  test_broken_on:\n    type: string\n    default: ""\n    doc: Addresses whose master health check fails (the test\'s broken bundle).\n',
  );
  const master = text.indexOf('  master:');
  let at = text.indexOf('    templates:\n', master) + '    templates:\n'.length;
  text = `${text.slice(0, at)}      - source: templates/check-broken.sh.mustache\n        target: checks/broken.sh\n        mode: "0755"\n${text.slice(at)}`;
  at = text.indexOf('    health:\n', master) + '    health:\n'.length;
  text = `${text.slice(0, at)}      - name: test-broken\n        run: checks/broken.sh\n        message: the test's broken bundle\n${text.slice(at)}`;
  fs.writeFileSync(file, text);
}

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dcinstall-upgrade-gui-'));
  fleetDir = path.join(tmp, 'fleet');
  configPath = path.join(tmp, 'config.yaml');
  workDir = path.join(tmp, 'work');
  const distribution = path.join(tmp, 'broken');
  brokenDistribution(distribution);
  log('fleet up (3 masters, 1 agent)');
  execFileSync(fleetTool, ['up', '--hosts', '4', '--masters', '3', '--agents', '1', '--public-agents', '0', '--dir', fleetDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  masters = fs.readFileSync(path.join(fleetDir, 'hosts.masters'), 'utf8').split('\n').filter(Boolean);
  fs.writeFileSync(
    configPath,
    [
      'cluster_name: upgradegui',
      fs.readFileSync(path.join(fleetDir, 'config-fragment.yaml'), 'utf8').trimEnd(),
      `distribution: ${distribution}`,
      'upgrade_host_timeout_s: 25',
      'postflight_timeout_s: 120',
      'command_timeout_s: 240',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  log('dcinstall install');
  const installed = spawnSync(binary, ['install', '--json', '-c', configPath, '--work-dir', workDir], { encoding: 'utf8' });
  assert.equal(installed.status, 0, `dcinstall install failed:\n${installed.stdout.slice(-3000)}\n${installed.stderr}`);
  log('dcinstall web');
  server = await startServer(binary, ['web', '--listen', '127.0.0.1:0', '-c', configPath, '--work-dir', workDir], { cwd: tmp });
  browserSession = await launch();
});

after(async () => {
  await browserSession?.close();
  await stopServer(server);
  if (fleetDir && fs.existsSync(path.join(fleetDir, 'config-fragment.yaml'))) {
    spawnSync(fleetTool, ['down', '--dir', fleetDir], { stdio: 'ignore' });
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function api(method, route, body) {
  const response = await fetch(`${server.origin}${route}`, {
    method,
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  assert.ok(response.ok, `${method} ${route}: HTTP ${response.status} ${JSON.stringify(json)}`);
  return json;
}

// Saves the config with `changes` on top of its current values, as the Configure screen does.
async function changeConfig(changes) {
  const { values } = await api('GET', '/api/v1/config');
  await api('PUT', '/api/v1/config', { values: { ...values, ...changes } });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(screenshotDir(), `upgrade-${name}.png`), fullPage: true });
}

// Records every state a host row shows, in order, as [time, host, state, step, wave label].
async function recordHostStates(page) {
  await page.evaluate(() => {
    window.__seen = [];
    const note = () => {
      for (const row of document.querySelectorAll('[data-screen=upgrade] .wave-host')) {
        const entry = [row.dataset.host, row.dataset.state, row.dataset.step, row.closest('[data-testid=wave]')?.dataset.label];
        const last = window.__seen.findLast((e) => e[1] === entry[0]);
        if (!last || last.slice(1).join('|') !== entry.join('|')) window.__seen.push([Date.now(), ...entry]);
      }
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
}

async function waitForOutcome(page, state) {
  const got = await page
    .waitForSelector('[data-testid=upgrade-outcome]', { timeout: RUN_TIMEOUT })
    .then((el) => el.getAttribute('data-state'));
  if (got !== state) {
    await shot(page, `unexpected-${got}`);
    assert.fail(`the upgrade ended ${got}, expected ${state}: ${await page.textContent('[data-testid=upgrade-outcome]')}`);
  }
}

test('upgrade from Welcome, live, paused, resumed, and a halting master rolled back', { skip: skip || false, timeout: 15 * 60 * 1000 }, async () => {
  const { page, errors } = await newPage(browserSession.context);
  const masterIds = masters.map((m) => `${m}:22`);

  // Nothing differs yet: Welcome offers no upgrade.
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=cluster-summary] .actions');
  const plan0 = await api('GET', '/api/v1/plan?action=upgrade');
  assert.equal(plan0.hosts_changing, 0, 'a fresh install has nothing to upgrade');
  await page.waitForTimeout(500);
  assert.equal(await page.$('[data-testid=start-upgrade]'), null, 'no upgrade is offered on a fresh install');

  // A one-line change: the master bundle differs. Welcome refetches the plan on config_changed.
  await changeConfig({ etcd_heartbeat_interval_ms: 150 });
  const offer = await page.waitForSelector('[data-testid=start-upgrade]', { timeout: 30000 });
  assert.match(await offer.textContent(), /Upgrade 3 hosts/);
  const waves = await page.$$eval('[data-testid=upgrade-offer] [data-testid=wave]', (els) =>
    els.map((w) => ({
      label: w.dataset.label,
      hosts: [...w.querySelectorAll('.wave-host')].map((h) => ({ host: h.dataset.host, text: h.textContent })),
    })),
  );
  assert.deepEqual(waves.map((w) => w.label), ['master 1/3', 'master 2/3', 'master 3/3'], 'masters in waves of one, in order');
  assert.deepEqual(waves.map((w) => w.hosts.map((h) => h.host)), masterIds.map((m) => [m]), 'config order');
  for (const w of waves) assert.match(w.hosts[0].text, /etcd_heartbeat_interval_ms 100 -> 150/, 'each host says why it changes');
  assert.match(await page.textContent('[data-testid=upgrade-offer] h3'), /Master 1 of 3/);
  await shot(page, '01-welcome-offer');

  // Start it from Welcome: the Upgrade screen follows it live. Pause while the first master is
  // changing: it finishes, the others are never touched.
  const started = Date.now();
  await offer.click();
  await page.waitForSelector('[data-screen=upgrade]');
  await recordHostStates(page);
  await page.waitForSelector('[data-testid=upgrade-phase][data-phase="master 1/3"]', { timeout: 60000 });
  const phaseText = await page.textContent('[data-testid=upgrade-phase]');
  assert.match(phaseText, /Master 1 of 3/, `the phase names the master: ${phaseText}`);
  await page.waitForSelector(`.wave-host[data-host="${masterIds[0]}"][data-state=changing]`, { timeout: 30000 });
  await shot(page, '02-first-master-live');
  await page.click('[data-testid=pause-upgrade]');
  await page.waitForSelector('[data-testid=pausing]', { timeout: 5000 }).catch(() => {}); // brief when the switch is quick
  await waitForOutcome(page, 'paused');
  const pausedText = await page.textContent('[data-testid=upgrade-outcome]');
  assert.match(pausedText, /Paused after 1 of 3 hosts/);
  assert.match(pausedText, /Resume/);
  assert.equal(await page.getAttribute(`.wave-host[data-host="${masterIds[0]}"]`, 'data-state'), 'upgraded');
  for (const m of masterIds.slice(1)) {
    assert.equal(await page.getAttribute(`.wave-host[data-host="${m}"]`, 'data-state'), 'waiting', `${m} untouched by the paused run`);
  }
  // What the screen drew is GET /api/v1/upgrade's view.
  const pausedView = await api('GET', '/api/v1/upgrade');
  assert.equal(pausedView.state, 'paused');
  assert.deepEqual(pausedView.waves.map((w) => [w.label, w.state, w.hosts[0].state]), [
    ['master 1/3', 'succeeded', 'upgraded'],
    ['master 2/3', 'waiting', 'waiting'],
    ['master 3/3', 'waiting', 'waiting'],
  ]);
  const resume = await page.waitForSelector('[data-testid=resume-upgrade]', { timeout: 15000 });
  assert.match(await resume.textContent(), /Resume 2 hosts/);
  await shot(page, '03-paused');
  log(`paused after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Resume: the 2 masters left, one at a time.
  await resume.click();
  await page.waitForSelector('[data-testid=upgrade-phase][data-phase="master 1/2"]', { timeout: 60000 });
  await page.waitForSelector('[data-testid=upgrade-phase][data-phase="master 2/2"]', { timeout: RUN_TIMEOUT });
  await shot(page, '04-resumed-second-wave');
  await waitForOutcome(page, 'completed');
  assert.match(await page.textContent('[data-testid=upgrade-progress]'), /2 \/ 2/);
  assert.match(await page.textContent('[data-testid=upgrade-outcome]'), /complete/);
  await shot(page, '05-completed');
  log(`upgrade done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const doneView = await api('GET', '/api/v1/upgrade');
  assert.equal(doneView.state, 'completed');
  assert.deepEqual(doneView.waves.map((w) => w.hosts.map((h) => h.host)), masterIds.slice(1).map((m) => [m]));
  const after = await api('GET', '/api/v1/plan?action=upgrade');
  assert.equal(after.hosts_changing, 0, 'every master runs the new bundle');

  // What the page showed, in order: each master changed once its predecessor was done.
  const seen = await page.evaluate(() => window.__seen);
  const changingAt = (host) => seen.filter((e) => e[1] === host && e[2] === 'changing').map((e) => e[0]);
  const doneAt = (host) => seen.filter((e) => e[1] === host && e[2] === 'upgraded').map((e) => e[0]);
  for (const m of masterIds) assert.ok(changingAt(m).length > 0, `${m} was seen changing: ${JSON.stringify(seen)}`);
  for (let i = 1; i < masterIds.length; i++) {
    const previousDone = Math.min(...doneAt(masterIds[i - 1]));
    assert.ok(Math.min(...changingAt(masterIds[i])) >= previousDone, `${masterIds[i]} changed before ${masterIds[i - 1]} was done: ${JSON.stringify(seen)}`);
  }
  const steps = new Set(seen.filter((e) => e[1] === masterIds[1] && e[2] === 'changing').map((e) => e[3]));
  for (const step of ['switch', 'health']) assert.ok(steps.has(step), `the host showed its ${step} step: ${[...steps]}`);

  // A new bundle that never becomes healthy on the first master: rolled back, the upgrade halts.
  await changeConfig({ test_broken_on: masters[0] });
  const again = await page.waitForSelector('[data-testid=start-upgrade]', { timeout: 30000 });
  assert.match(await again.textContent(), /Upgrade 3 hosts/);
  await again.click();
  await page.waitForSelector('[data-testid=upgrade-phase][data-phase="master 1/3"]', { timeout: 60000 });
  // A reload mid-run: the screen comes back from GET /upgrade, still live.
  await page.reload();
  await page.waitForSelector('[data-testid=upgrade-phase][data-phase="master 1/3"]', { timeout: 30000 });
  assert.equal(await page.getAttribute(`.wave-host[data-host="${masterIds[0]}"]`, 'data-state'), 'changing');
  await waitForOutcome(page, 'stopped');
  const halted = await page.textContent('[data-testid=upgrade-outcome]');
  assert.match(halted, new RegExp(masterIds[0].replace(/\./g, '\\.')), `names the host: ${halted}`);
  assert.match(halted, /rolled back/i, `says it was rolled back: ${halted}`);
  assert.match(halted, /test-broken/, `names the failing check: ${halted}`);
  assert.equal(await page.getAttribute(`.wave-host[data-host="${masterIds[0]}"]`, 'data-state'), 'rolled-back');
  assert.match(await page.textContent(`.wave-host[data-host="${masterIds[0]}"] [data-testid=host-error]`), /test-broken/);
  for (const m of masterIds.slice(1)) {
    assert.equal(await page.getAttribute(`.wave-host[data-host="${m}"]`, 'data-state'), 'waiting', `${m} untouched after the halt`);
  }
  await shot(page, '06-halted-rolled-back');
  log(`halt shown after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Welcome: the broken upgrade is still offered, and the last good one can be rolled back (as
  // many hosts as the rollback plan takes back).
  await page.click('a[href="#/welcome"]');
  const rollback = await page.waitForSelector('[data-testid=upgrade-offer] [data-testid=start-rollback]', { timeout: 30000 });
  const back = await api('GET', '/api/v1/plan?action=rollback');
  assert.ok(back.hosts_changing > 0, 'the last upgrade can be rolled back');
  assert.match(await rollback.textContent(), new RegExp(`Roll back ${back.hosts_changing} host`));
  assert.match(await page.textContent('[data-testid=upgrade-offer] [data-testid=start-upgrade]'), /Upgrade 3 hosts/);
  await shot(page, '07-welcome-rollback');

  assert.deepEqual(errors, [], 'no console errors');
});
