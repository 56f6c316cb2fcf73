// Host output on the shared test fleet ($DCINSTALL_TEST_FLEET; skipped when it is not set), with
// the test distribution tests/api/testdata/echo-secret, whose preflight check echoes its secret
// parameter and writes bad bytes (an invalid byte, a character split across two writes) straight
// to the SSH channel:
// - the secret is in no API response, SSE event, `dcinstall logs` output, state.db row or
//   support bundle file, for a run whose hosts echo it and for a distribution that fails to load;
// - `dcinstall preflight --json` piped to a file completes and every line is valid UTF-8 JSON.
// Needs DCINSTALL_BINARY and DCINSTALL_SOURCE_DIR; `sqlite3` and `tar` on PATH.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const binary = process.env.DCINSTALL_BINARY;
const sourceDir = process.env.DCINSTALL_SOURCE_DIR;
const fleet = process.env.DCINSTALL_TEST_FLEET;
assert.ok(binary && sourceDir, 'DCINSTALL_BINARY and DCINSTALL_SOURCE_DIR must be set');

const SECRET = 'Zq9-EchoedSecret-x71';
const distribution = path.join(sourceDir, 'tests/api/testdata/echo-secret');

// Writes a config for the fleet and `dist` into a new temporary directory; returns its paths.
function fleetSetup(name, dist, extraLines) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dci-host-output-${name}-`));
  const config = path.join(dir, 'config.yaml');
  const fragment = fs.readFileSync(path.join(fleet, 'config-fragment.yaml'), 'utf8');
  const lines = [`cluster_name: hostout`, fragment.trimEnd(), `distribution: ${dist}`,
    `echo_token: ${SECRET}`, 'agent_failure_budget: 100%', ...extraLines, ''];
  fs.writeFileSync(config, lines.join('\n'), { mode: 0o600 });
  return { dir, config, work: path.join(dir, 'work') };
}

// Runs the CLI; returns {status, stdout (Buffer), text (latin1: no byte hidden by decoding)}.
function cli(args, { allowFail = true } = {}) {
  const result = spawnSync(binary, args, { maxBuffer: 64 << 20, timeout: 300000 });
  if (!allowFail) assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
  return {
    status: result.status,
    stdout: result.stdout,
    text: `${result.stdout.toString('latin1')}\n${result.stderr.toString('latin1')}`,
  };
}

// Every file under `dir`, as latin1 text.
function filesText(dir) {
  const texts = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) texts.push(fs.readFileSync(path.join(entry.path, entry.name), 'latin1'));
  }
  return texts.join('\n');
}

// The files of a .tar.gz (bytes), unpacked into a new directory under `dir`, as one text.
function bundleText(dir, bytes) {
  const archive = path.join(dir, `bundle-${Date.now()}.tar.gz`);
  fs.writeFileSync(archive, bytes);
  const into = fs.mkdtempSync(path.join(dir, 'unpacked-'));
  const untar = spawnSync('tar', ['-xzf', archive, '-C', into], { encoding: 'utf8' });
  assert.equal(untar.status, 0, untar.stderr);
  const text = filesText(into);
  assert.ok(text.length > 0, 'the support bundle is empty');
  return text;
}

// The rows of state.db as SQL text ('' when there is no state file).
function stateDump(work) {
  const db = path.join(work, 'state.db');
  if (!fs.existsSync(db)) return '';
  const dump = spawnSync('sqlite3', [db, '.dump'], { maxBuffer: 64 << 20 });
  assert.equal(dump.status, 0, String(dump.stderr));
  return dump.stdout.toString('latin1');
}

// `dcinstall web` on 127.0.0.1:0; resolves with {proc, base, token} once it printed its URL.
function startServer(setup) {
  const proc = spawn(binary, ['web', '-c', setup.config, '--work-dir', setup.work, '--listen',
    '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d.toString('latin1'); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), 30000);
    proc.on('exit', (code) => reject(new Error(`dcinstall web exited ${code}: ${err}`)));
    proc.stdout.on('data', (d) => {
      out += d.toString('latin1');
      const m = out.match(/(http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)/);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        resolve({ proc, base: m[1], token: m[2], output: () => out + err });
      }
    });
  });
}

function stopServer(server) {
  return new Promise((resolve) => {
    if (server.proc.exitCode !== null) return resolve(server.proc.exitCode);
    const timer = setTimeout(() => server.proc.kill('SIGKILL'), 20000);
    server.proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
    server.proc.kill('SIGTERM');
  });
}

// An API client that keeps every response (status, headers, body as latin1) in `seen`.
function client(server, seen) {
  return async (method, urlPath, body) => {
    const res = await fetch(server.base + urlPath, {
      method,
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const buffer = Buffer.from(await res.arrayBuffer());
    const text = buffer.toString('latin1');
    seen.push(`${method} ${urlPath} ${res.status}\n${[...res.headers].join('\n')}\n${text}`);
    let json;
    try {
      json = JSON.parse(buffer.toString('utf8'));
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, buffer };
  };
}

// Reads /api/v1/events into `seen` (raw text) until `done(text)` holds or `timeoutMs` passes.
// `query` "?host=H" adds H's output events.
async function readEvents(server, query, seen, done, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const res = await fetch(`${server.base}/api/v1/events${query}`, {
    headers: { Authorization: `Bearer ${server.token}` }, signal: controller.signal,
  });
  let text = '';
  try {
    for await (const chunk of res.body) {
      text += Buffer.from(chunk).toString('latin1');
      if (done(text)) break;
    }
  } catch {
    // aborted at the deadline; the caller checks what arrived
  }
  clearTimeout(timer);
  controller.abort();
  seen.push(`SSE\n${text}`);
  return text;
}

function assertNoSecret(texts) {
  for (const text of texts) {
    const at = text.indexOf(SECRET);
    assert.equal(at, -1, `the secret in: ${text.slice(Math.max(0, at - 300), at + 100)}`);
  }
}

describe('host output on the test fleet', () => {
  let skip = '';
  before(() => {
    if (!fleet) skip = 'DCINSTALL_TEST_FLEET is not set (make test brings a fleet up); skipped';
  });
  const dirs = [];
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a secret the hosts echo is in no API response, SSE event, log, state row or bundle file', async (t) => {
    if (skip) return t.skip(skip);
    const setup = fleetSetup('echo', distribution, ['echo_fail: true']);
    dirs.push(setup.dir);
    const seen = [];
    const server = await startServer(setup);
    try {
      const api = client(server, seen);
      // Every host's output (?host=H, H as in /hosts: address:port), and the plain stream.
      const hostNames = fs.readFileSync(path.join(fleet, 'hosts'), 'utf8').split('\n')
        .filter((l) => l.trim()).map((address) => `${address.trim()}:22`);
      const finished = (text) => text.includes('run_finished');
      const streams = ['', ...hostNames.map((h) => `?host=${encodeURIComponent(h)}`)]
        .map((query) => readEvents(server, query, seen, finished, 300000));
      const start = await api('POST', '/api/v1/runs', { action: 'preflight' });
      assert.equal(start.status, 202, start.text);
      const sse = await Promise.all(streams);
      assert.ok(sse.every(finished), `the run did not finish: ${sse[0].slice(-2000)}`);
      assert.ok(sse.slice(1).every((text) => text.includes('"type":"output"') &&
        text.includes('streamed')), 'a host sent no streamed output event');
      const logs = await api('GET', '/api/v1/logs?stage=preflight');
      assert.ok(logs.text.includes('streamed'), 'the streamed output is not in the log');
      const hosts = await api('GET', '/api/v1/hosts?stage=preflight&limit=1000');
      assert.ok(hosts.json.hosts.length > 0 && hosts.json.hosts.every((h) => h.state === 'failed'));
      assert.ok(hosts.json.hosts.every((h) => h.error.includes('rejected')), hosts.text.slice(0, 500));
      await api('GET', '/api/v1/status');
      await api('GET', '/api/v1/config');
      const bundle = await api('GET', '/api/v1/support-bundle');
      assert.equal(bundle.status, 200, bundle.text.slice(0, 300));
      seen.push(bundleText(setup.dir, bundle.buffer));
    } finally {
      assert.equal(await stopServer(server), 0);
    }
    seen.push(server.output());
    const logs = cli(['logs', '-c', setup.config, '--work-dir', setup.work]);
    assert.ok(logs.text.includes('streamed'), logs.text.slice(0, 500));
    seen.push(logs.text);
    const state = stateDump(setup.work);
    assert.ok(state.includes('rejected'), 'the failure reason is not in state.db');
    seen.push(state);
    const archive = path.join(setup.dir, 'cli-support.tar.gz');
    cli(['support-bundle', '-c', setup.config, '--work-dir', setup.work, '-o', archive], { allowFail: false });
    seen.push(bundleText(setup.dir, fs.readFileSync(archive)));
    assertNoSecret(seen);
  });

  test('with a distribution that fails to load, the secret is in no response, log, state row or bundle file', async (t) => {
    if (skip) return t.skip(skip);
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-host-output-dist-'));
    dirs.push(broken);
    fs.cpSync(distribution, broken, { recursive: true });
    const manifest = path.join(broken, 'distribution.yaml');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(
      'source: templates/echo.sh.mustache', 'source: templates/missing.sh.mustache'));
    const setup = fleetSetup('broken', broken, ['echo_fail: true']);
    dirs.push(setup.dir);
    const seen = [];
    const server = await startServer(setup);
    try {
      const api = client(server, seen);
      const config = await api('GET', '/api/v1/config');
      assert.equal(config.status, 200);
      assert.ok(config.text.includes('missing.sh.mustache'), 'the manifest error is not reported');
      await api('GET', '/api/v1/schema');
      await api('GET', '/api/v1/status');
      await api('POST', '/api/v1/config/validate', { values: { echo_token: SECRET } });
      const run = await api('POST', '/api/v1/runs', { action: 'preflight' });
      assert.notEqual(run.status, 202, 'a run started on a distribution that does not load');
      await api('GET', '/api/v1/logs');
      const bundle = await api('GET', '/api/v1/support-bundle');
      assert.equal(bundle.status, 200, bundle.text.slice(0, 300));
      seen.push(bundleText(setup.dir, bundle.buffer));
    } finally {
      assert.equal(await stopServer(server), 0);
    }
    seen.push(server.output());
    const preflight = cli(['preflight', '--json', '-c', setup.config, '--work-dir', setup.work]);
    assert.notEqual(preflight.status, 0);
    seen.push(preflight.text);
    seen.push(cli(['validate', '-c', setup.config]).text);
    seen.push(cli(['logs', '-c', setup.config, '--work-dir', setup.work]).text);
    seen.push(stateDump(setup.work));
    const archive = path.join(setup.dir, 'cli-support.tar.gz');
    cli(['support-bundle', '-c', setup.config, '--work-dir', setup.work, '-o', archive], { allowFail: false });
    seen.push(bundleText(setup.dir, fs.readFileSync(archive)));
    assertNoSecret(seen);
  });

  test('bad bytes from hosts: preflight --json completes and every line is valid UTF-8 JSON', (t) => {
    if (skip) return t.skip(skip);
    const setup = fleetSetup('bytes', distribution, ['echo_fail: false']);
    dirs.push(setup.dir);
    const run = cli(['preflight', '--json', '-c', setup.config, '--work-dir', setup.work]);
    assert.equal(run.status, 0, run.text.slice(-2000));
    const lines = run.stdout.toString('latin1').split('\n').filter((l) => l.length > 0);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const events = [];
    let start = 0;
    for (let end = run.stdout.indexOf(10); end >= 0; end = run.stdout.indexOf(10, start)) {
      const bytes = run.stdout.subarray(start, end);
      start = end + 1;
      if (bytes.length === 0) continue;
      const line = decoder.decode(bytes); // throws on invalid UTF-8
      events.push(JSON.parse(line)); // throws on invalid JSON
    }
    assert.equal(start, run.stdout.length, 'the last line is not terminated');
    assert.equal(events.length, lines.length);
    const output = events.filter((e) => e.type === 'output').map((e) => e.data).join('');
    assert.ok(output.includes('bad byte \ufffd here'), 'the invalid byte did not arrive');
    assert.ok(output.includes(' done'), 'the split character did not arrive');
    assert.ok(events.some((e) => e.type === 'stage_finished' && e.ok), 'preflight did not pass');
    assertNoSecret([run.text]);
  });
});
