// HTTP API tests: a real `dcinstall web` on an ephemeral 127.0.0.1 port, driven with Node's
// fetch (docs/http-api.md is the contract). Run by ctest as `node --test`; needs
// DCINSTALL_BINARY and DCINSTALL_SOURCE_DIR. The run on real SSH hosts uses the fleet in
// $DCINSTALL_TEST_FLEET and is skipped (with a message) when it is not set.
//
// Every response body and header the tests see is recorded; the last test checks that none of
// them holds the secret parameter's value or the uploaded private key.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const binary = process.env.DCINSTALL_BINARY;
const sourceDir = process.env.DCINSTALL_SOURCE_DIR;
assert.ok(binary && sourceDir, 'DCINSTALL_BINARY and DCINSTALL_SOURCE_DIR must be set');

const SECRET = 'Sup3rSecretValue-42x';
const MISSPELLED_SECRET = 'An0therSecret-77y';
const tinyDistribution = path.join(sourceDir, 'tests/genconf/testdata/tiny');
const seen = []; // every response body and header text
let keyMaterial = []; // lines of the uploaded private key

function tempDir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dci-api-${name}-`));
}

// Starts `dcinstall web` and resolves with {proc, base, token, url} once it printed its URL.
function startServer(configPath, workDir, extraEnv = {}) {
  const proc = spawn(
    binary,
    ['web', '-c', configPath, '--work-dir', workDir, '--listen', '127.0.0.1:0'],
    { env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stderr: ${err}`)), 30000);
    proc.on('exit', (code) => reject(new Error(`dcinstall web exited ${code}: ${err}`)));
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/(http:\/\/127\.0\.0\.1:(\d+))\/\?token=([A-Za-z0-9_-]+)/);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        resolve({ proc, base: m[1], port: m[2], token: m[3], url: m[0], stdout: () => out, stderr: () => err });
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

// The token cookie's name: it carries the port (docs/http-api.md).
function cookieName(server) {
  return `dcinstall_token_${server.port}`;
}

// One API call. auth: 'bearer' (default), 'none', 'wrong', 'cookie', 'wrong-cookie',
// 'other-port-cookie', 'unported-cookie'.
async function call(server, method, urlPath, { body, auth = 'bearer', headers = {} } = {}) {
  const h = { ...headers };
  if (auth === 'bearer') h.Authorization = `Bearer ${server.token}`;
  if (auth === 'wrong') h.Authorization = `Bearer ${'x'.repeat(43)}`;
  if (auth === 'cookie') h.Cookie = `${cookieName(server)}=${server.token}`;
  // The token with its last character changed (to one it is not: a token ending in 'A' exists).
  const wrongLast = server.token.endsWith('A') ? 'B' : 'A';
  if (auth === 'wrong-cookie') h.Cookie = `${cookieName(server)}=${server.token.slice(0, -1)}${wrongLast}`;
  // The right token under another port's name, or under the old unported name.
  if (auth === 'other-port-cookie') h.Cookie = `dcinstall_token_${Number(server.port) + 1}=${server.token}`;
  if (auth === 'unported-cookie') h.Cookie = `dcinstall_token=${server.token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(server.base + urlPath, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
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
  return { status: res.status, headers: res.headers, text, json, buffer };
}

// One request over a raw socket (any Host header; a header without its body; a chunked body),
// resolved with the first response's {status, headers, body}. Rejects after `timeoutMs`.
function rawHttp(server, method, urlPath, { host, token, contentLength, chunkedBytes, headers = {}, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(server.port), '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${method} ${urlPath}: no complete answer in ${timeoutMs} ms; got ${JSON.stringify(data.toString('latin1'))}`));
    }, timeoutMs);
    const lines = [`${method} ${urlPath} HTTP/1.1`, `Host: ${host ?? `127.0.0.1:${server.port}`}`];
    if (token) lines.push(`Authorization: Bearer ${token}`);
    if (contentLength !== undefined) lines.push(`Content-Length: ${contentLength}`, 'Content-Type: application/json');
    if (chunkedBytes !== undefined) lines.push('Transfer-Encoding: chunked', 'Content-Type: application/json');
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (chunkedBytes !== undefined) {
        const chunk = 'x'.repeat(64 * 1024);
        for (let sent = 0; sent < chunkedBytes; sent += chunk.length) {
          socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        }
        socket.write('0\r\n\r\n');
      }
    });
    const tryParse = () => {
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const head = text.slice(0, end + 2);
      const length = Number((/\r\ncontent-length: *(\d+)/i.exec(head) ?? [])[1] ?? 0);
      if (data.length < end + 4 + length) return false;
      clearTimeout(timer);
      socket.destroy();
      const body = data.subarray(end + 4, end + 4 + length).toString('utf8');
      seen.push(`RAW ${method} ${urlPath}\n${head}\n${body}`);
      resolve({ status: Number(head.split(' ')[1]), headers: head, body });
      return true;
    };
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      tryParse();
    });
    socket.on('close', () => {
      if (!tryParse()) {
        clearTimeout(timer);
        reject(new Error(`${method} ${urlPath}: closed without a complete answer: ${JSON.stringify(data.toString('latin1'))}`));
      }
    });
  });
}

// A live /api/v1/events reader: collects parsed SSE messages.
async function openEvents(server, query = '', lastEventId) {
  const controller = new AbortController();
  const headers = { Authorization: `Bearer ${server.token}` };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  const res = await fetch(`${server.base}/api/v1/events${query}`, { headers, signal: controller.signal });
  const stream = { status: res.status, contentType: res.headers.get('content-type'), messages: [] };
  let waiters = [];
  const notify = () => {
    waiters = waiters.filter((w) => !w());
  };
  (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          seen.push(`SSE ${block}`);
          const message = { comments: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message.comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) message.id = Number(line.slice(4));
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) message.data = JSON.parse(line.slice(6));
          }
          stream.messages.push(message);
          notify();
        }
      }
    } catch {
      // aborted
    }
  })();
  // Resolves with the first message (in arrival order) matching `predicate`.
  stream.waitFor = (predicate, timeoutMs = 30000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching SSE message in ${timeoutMs} ms; got ${JSON.stringify(stream.messages).slice(0, 2000)}`)),
        timeoutMs,
      );
      const check = () => {
        const found = stream.messages.find(predicate);
        if (found) {
          clearTimeout(timer);
          resolve(found);
          return true;
        }
        return false;
      };
      if (!check()) waiters.push(check);
    });
  stream.close = () => controller.abort();
  return stream;
}

const hasEvent = (type, extra = () => true) => (m) =>
  m.event === 'batch' && m.data.events.some((e) => e.type === type && extra(e));

// Accepts TCP connections and never says anything: an SSH host that hangs in the handshake.
function silentServer(host) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, host, () =>
      resolve({
        port: server.address().port,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      }),
    );
  });
}

function cliValidate(configPath) {
  const result = spawnSync(binary, ['validate', '-c', configPath], { encoding: 'utf8' });
  const lines = result.stdout.split('\n').filter((l) => l.length > 0);
  return { status: result.status, lines };
}

describe('dcinstall web without SSH hosts', () => {
  const dir = tempDir('web');
  const configPath = path.join(dir, 'config.yaml');
  const workDir = path.join(dir, 'work');
  let silent;
  let server;
  let baseConfig;

  before(async () => {
    silent = await silentServer('127.0.0.1');
    const agents = Array.from({ length: 40 }, (_, i) => `  - 127.0.1.${i + 1}:1`).join('\n');
    baseConfig = [
      '# API test config: one master that never answers SSH, 40 agents that refuse.',
      'cluster_name: apitest',
      'master_list:',
      `  - 127.0.0.1:${silent.port}`,
      'agent_list:',
      agents,
      `distribution: ${tinyDistribution}`,
      `tiny_token: ${SECRET}`,
      'ssh_host_key_policy: accept-new',
      `ssh_known_hosts_path: ${path.join(dir, 'known_hosts')}`,
      'ssh_use_agent: false',
      'connect_timeout_s: 3',
      'retries: 0',
      'agent_failure_budget: 100%',
      '',
    ].join('\n');
    fs.writeFileSync(configPath, baseConfig, { mode: 0o600 });
    server = await startServer(configPath, workDir);
  });

  after(async () => {
    if (server) await stopServer(server);
    if (silent) silent.close();
  });

  test('prints a ready URL with a 43-character token', () => {
    assert.equal(server.token.length, 43);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  });

  test('every API endpoint answers 401 without the token, with a wrong one or a wrong cookie', async () => {
    const endpoints = [
      ['GET', '/api/v1/schema'],
      ['GET', '/api/v1/config'],
      ['PUT', '/api/v1/config', { values: {} }],
      ['POST', '/api/v1/config/validate', { values: {} }],
      ['POST', '/api/v1/ssh-key', { private_key: 'x' }],
      ['POST', '/api/v1/runs', { action: 'preflight' }],
      ['POST', '/api/v1/runs/cancel', {}],
      ['GET', '/api/v1/status'],
      ['GET', '/api/v1/hosts'],
      ['GET', '/api/v1/logs'],
      ['GET', '/api/v1/plan'],
      ['GET', '/api/v1/upgrade'],
      ['GET', '/api/v1/support-bundle'],
      ['GET', '/api/v1/events'],
      ['GET', '/api/v1/no-such-thing'],
    ];
    for (const [method, urlPath, body] of endpoints) {
      for (const auth of ['none', 'wrong', 'wrong-cookie', 'other-port-cookie', 'unported-cookie']) {
        const res = await call(server, method, urlPath, { body, auth });
        assert.equal(res.status, 401, `${method} ${urlPath} (${auth})`);
        assert.equal(res.json.error.code, 'unauthorized');
        assert.ok(res.json.error.message.length > 0);
      }
    }
    // Nothing was started or written by those calls.
    assert.equal(fs.readFileSync(configPath, 'utf8'), baseConfig);
    const status = await call(server, 'GET', '/api/v1/status');
    assert.equal(status.json.running, false);
  });

  test('GET /?token= sets an HttpOnly SameSite=Strict cookie and redirects to /', async () => {
    const res = await call(server, 'GET', `/?token=${server.token}`, { auth: 'none' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    const cookie = res.headers.get('set-cookie');
    assert.equal(cookie, `dcinstall_token_${server.port}=${server.token}; HttpOnly; SameSite=Strict; Path=/`);
    const withCookie = await call(server, 'GET', '/api/v1/status', { auth: 'cookie' });
    assert.equal(withCookie.status, 200);

    const wrong = await call(server, 'GET', '/?token=nope', { auth: 'none' });
    assert.equal(wrong.status, 200);
    assert.equal(wrong.headers.get('set-cookie'), null);
  });

  test('serves the GUI without a token; unknown paths get index.html, missing assets 404', async () => {
    const index = await call(server, 'GET', '/', { auth: 'none' });
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /text\/html/);
    const route = await call(server, 'GET', '/preflight', { auth: 'none' });
    assert.equal(route.status, 200);
    assert.equal(route.text, index.text);
    const missing = await call(server, 'GET', '/assets/no-such-file.js', { auth: 'none' });
    assert.equal(missing.status, 404);
  });

  test('state-changing requests from another Origin get 403', async () => {
    const values = { values: { cluster_name: 'x', master_list: ['127.0.0.1'] } };
    for (const [method, urlPath, body] of [
      ['POST', '/api/v1/config/validate', values],
      ['PUT', '/api/v1/config', values],
      ['POST', '/api/v1/runs', { action: 'preflight' }],
      ['POST', '/api/v1/runs/cancel', {}],
      ['POST', '/api/v1/ssh-key', { private_key: 'x' }],
    ]) {
      for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${Number(new URL(server.base).port) + 1}`]) {
        const res = await call(server, method, urlPath, { body, headers: { Origin: origin } });
        assert.equal(res.status, 403, `${method} ${urlPath} from ${origin}`);
        assert.equal(res.json.error.code, 'bad_origin');
      }
    }
    assert.equal(fs.readFileSync(configPath, 'utf8'), baseConfig);
    const own = await call(server, 'POST', '/api/v1/config/validate', {
      body: values,
      headers: { Origin: server.base },
    });
    assert.equal(own.status, 200);
    const localhost = await call(server, 'POST', '/api/v1/config/validate', {
      body: values,
      headers: { Origin: server.base.replace('127.0.0.1', 'localhost') },
    });
    assert.equal(localhost.status, 200);
  });

  test('on loopback the Host header must name this server (DNS rebinding), on every path', async () => {
    for (const [urlPath, auth] of [['/', false], ['/assets/x.js', false], ['/api/v1/status', true]]) {
      for (const host of [`evil.example:${server.port}`, `127.0.0.1:${Number(server.port) + 1}`, 'localhost']) {
        const res = await rawHttp(server, 'GET', urlPath, { host, token: auth ? server.token : undefined });
        assert.equal(res.status, 403, `${urlPath} with Host ${host}`);
        assert.equal(JSON.parse(res.body).error.code, 'bad_host');
      }
    }
    for (const host of [`localhost:${server.port}`, `[::1]:${server.port}`, `127.0.0.1:${server.port}`]) {
      const res = await rawHttp(server, 'GET', '/api/v1/status', { host, token: server.token });
      assert.equal(res.status, 200, `Host ${host}`);
    }
  });

  test('every response carries a Content-Security-Policy without inline scripts', async () => {
    for (const [urlPath, auth] of [['/', 'none'], ['/api/v1/status', 'bearer'], ['/api/v1/status', 'none']]) {
      const csp = (await call(server, 'GET', urlPath, { auth })).headers.get('content-security-policy');
      assert.match(csp ?? '', /default-src 'none'/, urlPath);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    }
    const index = await call(server, 'GET', '/', { auth: 'none' });
    assert.doesNotMatch(index.text, /<script(?![^>]*\ssrc=)[^>]*>/, 'index.html has no inline script');
  });

  test('a refused request is answered from its header alone, before its body is sent', async () => {
    // Only the header is sent; the server must not wait for the declared body.
    const unauthorized = await rawHttp(server, 'PUT', '/api/v1/config', { contentLength: 16 * 1024 * 1024 });
    assert.equal(unauthorized.status, 401);
    assert.match(unauthorized.headers, /\r\nconnection: close\r\n/i);
    const tooLarge = await rawHttp(server, 'PUT', '/api/v1/config', { token: server.token, contentLength: 16 * 1024 * 1024 });
    assert.equal(tooLarge.status, 413);
    assert.equal(JSON.parse(tooLarge.body).error.code, 'body_too_large');
    assert.match(JSON.parse(tooLarge.body).error.message, /16777216 bytes; 1048576 at most/);
    const crossOrigin = await rawHttp(server, 'POST', '/api/v1/runs', {
      token: server.token, contentLength: 100, headers: { Origin: 'http://evil.example' },
    });
    assert.equal(crossOrigin.status, 403);
    assert.equal(fs.readFileSync(configPath, 'utf8'), baseConfig);
  });

  test('request bodies are limited per route: 1 MiB for the config and the key, 64 KiB elsewhere', async () => {
    const big = (n) => JSON.stringify({ values: { cluster_name: 'x'.repeat(n) } });
    // Oversized bodies go over a raw socket: the 413 closes the connection while the body is
    // still being sent, which fetch reports as a failure instead of the answer.
    const runs = await rawHttp(server, 'POST', '/api/v1/runs', { token: server.token, contentLength: 70 * 1024 });
    assert.equal(runs.status, 413);
    assert.match(JSON.parse(runs.body).error.message, /65536 at most/);
    const validate = await call(server, 'POST', '/api/v1/config/validate', { body: big(900 * 1024) });
    assert.equal(validate.status, 200, validate.text.slice(0, 300));
    const key = await call(server, 'POST', '/api/v1/ssh-key', { body: JSON.stringify({ private_key: 'x'.repeat(900 * 1024) }) });
    assert.notEqual(key.status, 413);
    const put = await rawHttp(server, 'PUT', '/api/v1/config', { token: server.token, contentLength: 1100 * 1024 });
    assert.equal(put.status, 413);
    // A chunked body (no Content-Length) is cut at the same limit.
    const chunked = await rawHttp(server, 'PUT', '/api/v1/config', { token: server.token, chunkedBytes: 1100 * 1024 });
    assert.equal(chunked.status, 413);
    assert.equal(fs.readFileSync(configPath, 'utf8'), baseConfig);
    assert.equal((await call(server, 'GET', '/api/v1/status')).json.running, false);
  });

  test('schema lists installer keys and the distribution parameters, secrets marked', async () => {
    const res = await call(server, 'GET', '/api/v1/schema');
    assert.equal(res.status, 200);
    const keys = Object.fromEntries(res.json.keys.map((k) => [k.key, k]));
    assert.equal(keys.cluster_name.required, true);
    assert.equal(keys.cluster_name.group, 'cluster');
    assert.equal(keys.master_list.type, 'host_list');
    assert.equal(keys.master_list.group, 'hosts');
    assert.equal(keys.ssh_port.type, 'integer');
    assert.equal(keys.ssh_port.min, 1);
    assert.equal(keys.ssh_port.max, 65535);
    assert.equal(keys.ssh_port.default, '22');
    assert.equal(keys.ssh_host_key_policy.choices.length, 3);
    assert.equal(keys.tiny_token.secret, true);
    assert.equal(keys.tiny_token.default, null);
    assert.equal(keys.tiny_token.source, 'tiny');
    assert.equal(keys.tiny_token.group, 'distribution');
    assert.equal(keys.tiny_fail_preflight.type, 'boolean');
  });

  test('GET config shows values but never a secret: only "set"/"not set"', async () => {
    const res = await call(server, 'GET', '/api/v1/config');
    assert.equal(res.status, 200);
    assert.equal(res.json.exists, true);
    assert.equal(res.json.path, configPath);
    assert.equal(res.json.valid, true);
    assert.equal(res.json.values.cluster_name, 'apitest');
    assert.equal(res.json.values.connect_timeout_s, 3);
    assert.equal(res.json.values.ssh_use_agent, false);
    assert.equal(res.json.values.agent_list.length, 40);
    assert.equal('tiny_token' in res.json.values, false);
    assert.equal(res.json.secrets.tiny_token, 'set');
    assert.ok(!res.text.includes(SECRET));
  });

  test('errors of an invalid file are the lines `dcinstall validate` prints, secrets masked', async () => {
    const broken = baseConfig.replace('cluster_name: apitest', 'cluster_name: Bad_Name')
      + 'ssh_port: 70000\n'
      + 'agent_lst: [10.0.0.1]\n'
      + `tiny_tokn: ${MISSPELLED_SECRET}\n`;
    fs.writeFileSync(configPath, broken);
    try {
      const res = await call(server, 'GET', '/api/v1/config');
      assert.equal(res.json.valid, false);
      const cli = cliValidate(configPath);
      assert.equal(cli.status, 1);
      const apiLines = [...res.json.errors, ...res.json.warnings].map((d) => d.text);
      assert.deepEqual(apiLines, cli.lines.slice(0, -1));
      const portLine = baseConfig.split('\n').length; // the line after the base config
      assert.ok(res.json.errors.some((d) => d.key === 'ssh_port' && d.line === portLine && d.column > 0));
      // A misspelled secret is still treated as one.
      assert.equal('tiny_tokn' in res.json.values, false);
      assert.equal(res.json.secrets.tiny_tokn, 'set');
      assert.ok(!res.text.includes(MISSPELLED_SECRET));
    } finally {
      fs.writeFileSync(configPath, baseConfig);
    }
  });

  test('validate answers with the CLI messages and writes nothing', async () => {
    const current = (await call(server, 'GET', '/api/v1/config')).json.values;
    const values = { ...current, cluster_name: 'Bad_Name', ssh_port: 70000, ssh_sudo: 'sometimes' };
    const res = await call(server, 'POST', '/api/v1/config/validate', { body: { values } });
    assert.equal(res.status, 200);
    assert.equal(res.json.valid, false);
    assert.equal(fs.readFileSync(configPath, 'utf8'), baseConfig);

    // The CLI on the same values says the same things (positions differ: another file).
    const file = path.join(dir, 'same-values.yaml');
    fs.writeFileSync(file, baseConfig.replace('cluster_name: apitest', 'cluster_name: Bad_Name')
      + 'ssh_port: 70000\nssh_sudo: sometimes\n');
    const cli = cliValidate(file).lines.slice(0, -1).map((l) => l.replace(/^[^ ]*:\d+:\d+: /, ''));
    const api = [...res.json.errors, ...res.json.warnings].map((d) => `${d.key}: ${d.message}`);
    assert.deepEqual([...api].sort(), [...cli].sort());

    const valid = await call(server, 'POST', '/api/v1/config/validate', { body: { values: current } });
    assert.equal(valid.json.valid, true);
    assert.deepEqual(valid.json.errors, []);

    const bad = await call(server, 'POST', '/api/v1/config/validate', { body: '{"values": 3' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'bad_request');
  });

  test('PUT of an invalid config is 422 with the errors and leaves the file as it was', async () => {
    const before = fs.readFileSync(configPath);
    const current = (await call(server, 'GET', '/api/v1/config')).json.values;
    const res = await call(server, 'PUT', '/api/v1/config', {
      body: { values: { ...current, ssh_port: 70000, agent_lst: ['10.0.0.1'] } },
    });
    assert.equal(res.status, 422);
    assert.equal(res.json.error.code, 'invalid_config');
    assert.equal(res.json.valid, false);
    const keys = res.json.errors.map((e) => e.key).sort();
    assert.deepEqual(keys, ['agent_lst', 'ssh_port']);
    for (const e of res.json.errors) assert.match(e.text, /:\d+:\d+: /);
    assert.deepEqual(fs.readFileSync(configPath), before);
  });

  test('PUT of a valid config writes it, keeps the absent secret and the CLI accepts it', async () => {
    const current = (await call(server, 'GET', '/api/v1/config')).json.values;
    const res = await call(server, 'PUT', '/api/v1/config', {
      body: { values: { ...current, ssh_parallelism: 17 } },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.valid, true);
    const written = fs.readFileSync(configPath, 'utf8');
    assert.match(written, /^ssh_parallelism: 17$/m);
    assert.ok(written.startsWith('# API test config'), 'the leading comment is kept');
    assert.ok(written.includes(`tiny_token: ${SECRET}`), 'the secret is kept');
    assert.equal((fs.statSync(configPath).mode & 0o777), 0o600);
    assert.equal(cliValidate(configPath).status, 0);
    const again = await call(server, 'GET', '/api/v1/config');
    assert.equal(again.json.values.ssh_parallelism, 17);
    assert.equal(again.json.secrets.tiny_token, 'set');
    baseConfig = written;
  });

  test('hosts are paged, filtered and sorted by address with numbers as numbers', async () => {
    const all = await call(server, 'GET', '/api/v1/hosts?stage=preflight&limit=10');
    assert.equal(all.status, 200);
    assert.equal(all.json.total, 41);
    assert.equal(all.json.hosts.length, 10);
    assert.deepEqual(Object.keys(all.json.hosts[0]).sort(),
      ['bundle_id', 'cause', 'error', 'host', 'last_line', 'role', 'state', 'step', 'updated_ms']);
    assert.equal(all.json.hosts[0].host, '127.0.0.1:' + baseConfig.match(/127\.0\.0\.1:(\d+)/)[1]);
    assert.equal(all.json.hosts[1].host, '127.0.1.1:1');
    assert.equal(all.json.hosts[2].host, '127.0.1.2:1');
    assert.equal(all.json.hosts[0].state, 'pending');
    const last = await call(server, 'GET', '/api/v1/hosts?stage=preflight&offset=40&limit=10');
    assert.equal(last.json.hosts.length, 1);
    assert.equal(last.json.hosts[0].host, '127.0.1.40:1');
    const masters = await call(server, 'GET', '/api/v1/hosts?stage=preflight&role=master');
    assert.equal(masters.json.total, 1);
    const search = await call(server, 'GET', '/api/v1/hosts?stage=preflight&q=127.0.1.1');
    assert.equal(search.json.total, 11); // 127.0.1.1 and 127.0.1.10-19
    const failed = await call(server, 'GET', '/api/v1/hosts?stage=deploy&state=failed,interrupted');
    assert.equal(failed.json.total, 0);
    const bad = await call(server, 'GET', '/api/v1/hosts?limit=abc');
    assert.equal(bad.status, 400);
    const status = await call(server, 'GET', '/api/v1/status');
    assert.equal(status.json.cluster.name, 'apitest');
    assert.equal(status.json.cluster.agents.length, 40);
    assert.equal(status.json.stages.preflight.roles.agent.total, 40);
    assert.equal(status.json.stages.preflight.roles.agent.pending, 40);
    assert.equal(status.json.stages.preflight.state, 'not_started');
    assert.ok(Number.isInteger(status.json.event_id));
  });

  test('SSE delivers batches and resumes from Last-Event-ID, or says reset', async () => {
    const live = await openEvents(server);
    assert.equal(live.status, 200);
    assert.match(live.contentType, /text\/event-stream/);
    const current = (await call(server, 'GET', '/api/v1/config')).json.values;
    await call(server, 'PUT', '/api/v1/config', { body: { values: current } });
    const batch = await live.waitFor(hasEvent('config_changed'));
    assert.ok(batch.id > 0);
    live.close();

    const resumed = await openEvents(server, '', batch.id - 1);
    const replayed = await resumed.waitFor((m) => m.event === 'batch');
    assert.equal(replayed.id, batch.id);
    resumed.close();

    const byQuery = await openEvents(server, `?last_event_id=${batch.id - 1}`);
    assert.equal((await byQuery.waitFor((m) => m.event === 'batch')).id, batch.id);
    byQuery.close();

    const tooOld = await openEvents(server, '', 5);
    const reset = await tooOld.waitFor((m) => m.event === 'reset');
    assert.ok(reset.id >= batch.id);
    tooOld.close();
  });

  test('a run: 202 with its id, 409 while it goes, live host events, then failed hosts', async () => {
    const live = await openEvents(server);
    const start = await call(server, 'POST', '/api/v1/runs', { body: { action: 'preflight' } });
    assert.equal(start.status, 202, start.text);
    assert.ok(start.json.run_id > 0);

    const again = await call(server, 'POST', '/api/v1/runs', { body: { action: 'deploy' } });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'run_in_progress');
    const current = (await call(server, 'GET', '/api/v1/config')).json.values;
    const put = await call(server, 'PUT', '/api/v1/config', { body: { values: current } });
    assert.equal(put.status, 409);
    const running = await call(server, 'GET', '/api/v1/status');
    assert.equal(running.json.running, true);
    assert.equal(running.json.run.id, start.json.run_id);
    assert.equal(running.json.stages.preflight.state, 'running');

    await live.waitFor(hasEvent('run_started', (e) => e.run_id === start.json.run_id));
    await live.waitFor(hasEvent('stage_started', (e) => e.stage === 'preflight'));
    await live.waitFor(hasEvent('host', (e) => e.stage === 'preflight' && e.state === 'failed'));
    const finished = await live.waitFor(hasEvent('run_finished'), 90000);
    const runFinished = finished.data.events.find((e) => e.type === 'run_finished');
    assert.equal(runFinished.run_id, start.json.run_id);
    assert.equal(runFinished.outcome, 'failed');
    // Coalescing: no host appears twice for a stage within one batch.
    for (const m of live.messages.filter((x) => x.event === 'batch')) {
      const keys = m.data.events.filter((e) => e.type === 'host').map((e) => `${e.stage} ${e.host}`);
      assert.equal(new Set(keys).size, keys.length);
    }
    live.close();

    const status = await call(server, 'GET', '/api/v1/status');
    assert.equal(status.json.running, false);
    assert.equal(status.json.run.outcome, 'failed');
    assert.equal(status.json.stages.preflight.state, 'failed');
    assert.equal(status.json.stages.preflight.roles.agent.failed, 40);
    assert.ok(status.json.stages.preflight.summary.length > 0);
    const failedHosts = await call(server, 'GET', '/api/v1/hosts?stage=preflight&state=failed&limit=1000');
    assert.equal(failedHosts.json.total, 41);
    assert.ok(failedHosts.json.hosts.every((h) => h.error.length > 0));
    const logs = await call(server, 'GET', '/api/v1/logs?stage=preflight');
    assert.equal(logs.status, 200);
    assert.ok(Array.isArray(logs.json.steps));
    // Failures by cause: the groups add up to the failed hosts; the host list filters by one.
    const failures = await call(server, 'GET', '/api/v1/failures?stage=preflight');
    assert.equal(failures.status, 200);
    assert.equal(failures.json.total, 41);
    assert.equal(failures.json.causes.reduce((n, g) => n + g.count, 0), 41);
    assert.ok(failures.json.causes.every((g) => g.cause.length > 0 && g.hosts.length <= 3));
    const top = failures.json.causes[0];
    const ofTop = await call(server, 'GET', `/api/v1/hosts?stage=preflight&cause=${encodeURIComponent(top.cause)}&limit=1000`);
    assert.equal(ofTop.json.total, top.count);
    assert.ok(ofTop.json.hosts.every((h) => h.cause === top.cause));
    const both = await call(server, 'POST', '/api/v1/runs', { body: { action: 'preflight', cause: top.cause, hosts: ['127.0.1.1:1'] } });
    assert.equal(both.status, 400);
    const unknown = await call(server, 'POST', '/api/v1/runs', { body: { action: 'preflight', cause: 'no such cause' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error.message, /no host failed in preflight with the cause/);

    const cancel = await call(server, 'POST', '/api/v1/runs/cancel', { body: {} });
    assert.equal(cancel.status, 202);
    const badAction = await call(server, 'POST', '/api/v1/runs', { body: { action: 'dance' } });
    assert.equal(badAction.status, 400);
    const badFlag = await call(server, 'POST', '/api/v1/runs', { body: { action: 'preflight', install_prereqs: 'yes' } });
    assert.equal(badFlag.status, 400);
    assert.match(badFlag.json.error.message, /'install_prereqs' must be true or false/);
  });

  test('GET /upgrade: unknown before a rolling change, then the upgrade run with its plan and end', async () => {
    const before = await call(server, 'GET', '/api/v1/upgrade');
    assert.equal(before.status, 200, before.text);
    assert.equal(before.json.known, false);
    assert.equal(before.json.running, false);
    assert.deepEqual(before.json.waves, []);
    assert.equal(typeof before.json.event_id, 'number');
    assert.equal((await call(server, 'POST', '/api/v1/upgrade', { body: {} })).status, 405);

    // Nothing was ever installed: the plans change nothing (hosts without a bundle are not part
    // of a rolling change, and there is no upgrade to roll back).
    for (const action of ['upgrade', 'rollback']) {
      const plan = await call(server, 'GET', `/api/v1/plan?action=${action}`);
      assert.equal(plan.status, 200, plan.text);
      assert.equal(plan.json.kind, action);
      assert.equal(plan.json.hosts_changing, 0);
      assert.deepEqual(plan.json.waves, []);
    }
    assert.equal((await call(server, 'GET', '/api/v1/plan?action=dance')).status, 400);

    // An upgrade run anyway: its (empty) plan is the view's, then the cluster check on the
    // unanswering master fails the run, and the view says it stopped.
    const live = await openEvents(server);
    const start = await call(server, 'POST', '/api/v1/runs', { body: { action: 'upgrade' } });
    assert.equal(start.status, 202, start.text);
    const during = await call(server, 'GET', '/api/v1/plan?action=upgrade');
    assert.ok(during.status === 409 || during.status === 200, `plan during a run: ${during.status}`);
    await live.waitFor(hasEvent('run_finished', (e) => e.run_id === start.json.run_id), 90000);
    live.close();
    const after = await call(server, 'GET', '/api/v1/upgrade');
    assert.equal(after.json.known, true);
    assert.equal(after.json.running, false);
    assert.equal(after.json.run_id, start.json.run_id);
    assert.equal(after.json.kind, 'upgrade');
    assert.equal(after.json.state, 'stopped');
    assert.equal(after.json.hosts_total, 0);
    assert.deepEqual(after.json.waves, []);
    assert.ok(after.json.event_id >= before.json.event_id);
  });

  test('an uploaded SSH key is stored 0600, set in the config, and never returned', async () => {
    const keyDir = tempDir('key');
    const keyFile = path.join(keyDir, 'id_test');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
    const privateKey = fs.readFileSync(keyFile, 'utf8');
    keyMaterial = privateKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    const expected = execFileSync('ssh-keygen', ['-lf', `${keyFile}.pub`], { encoding: 'utf8' }).split(' ')[1];

    const res = await call(server, 'POST', '/api/v1/ssh-key', { body: { private_key: privateKey } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.fingerprint, expected);
    assert.equal(fs.statSync(res.json.ssh_key_path).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(res.json.ssh_key_path, 'utf8'), privateKey);
    const config = await call(server, 'GET', '/api/v1/config');
    assert.equal(config.json.values.ssh_key_path, res.json.ssh_key_path);
    assert.equal(config.json.secrets.tiny_token, 'set');
    assert.ok(fs.readFileSync(configPath, 'utf8').includes(`tiny_token: ${SECRET}`));

    const pub = await call(server, 'POST', '/api/v1/ssh-key', {
      body: { private_key: fs.readFileSync(`${keyFile}.pub`, 'utf8') },
    });
    assert.equal(pub.status, 400);
    fs.rmSync(keyDir, { recursive: true, force: true });
  });

  test('the support bundle is a gzip attachment without secrets or key material', async () => {
    const res = await call(server, 'GET', '/api/v1/support-bundle');
    assert.equal(res.status, 200, res.text.slice(0, 500));
    assert.equal(res.headers.get('content-type'), 'application/gzip');
    assert.match(res.headers.get('content-disposition'), /attachment; filename="dcinstall-support-\d{8}-\d{6}\.tar\.gz"/);
    const tar = zlib.gunzipSync(res.buffer).toString('latin1');
    assert.ok(!tar.includes(SECRET));
    for (const line of keyMaterial) assert.ok(!tar.includes(line));
  });

  test('no response, header or event ever held a secret or the private key', () => {
    assert.ok(seen.length > 50);
    for (const text of seen) {
      assert.ok(!text.includes(SECRET), `secret in: ${text.slice(0, 300)}`);
      assert.ok(!text.includes(MISSPELLED_SECRET), `misspelled secret in: ${text.slice(0, 300)}`);
      for (const line of keyMaterial) assert.ok(!text.includes(line), 'private key material in a response');
    }
    assert.ok(!server.stdout().includes(SECRET) && !server.stderr().includes(SECRET));
  });

  test('SIGTERM stops the server cleanly', async () => {
    const code = await stopServer(server);
    assert.equal(code, 0);
    server = null;
  });
});

describe('dcinstall web on the test fleet', () => {
  const fleet = process.env.DCINSTALL_TEST_FLEET;

  test('preflight started from the API passes on every fleet host', async (t) => {
    if (!fleet) {
      t.skip('DCINSTALL_TEST_FLEET is not set (make test brings a fleet up); skipped');
      return;
    }
    const dir = tempDir('fleet');
    const configPath = path.join(dir, 'config.yaml');
    fs.writeFileSync(configPath, `cluster_name: apifleet\n${fs.readFileSync(path.join(fleet, 'config-fragment.yaml'), 'utf8')}agent_failure_budget: 0\n`);
    const hostCount = fs.readFileSync(path.join(fleet, 'hosts'), 'utf8').split('\n').filter((l) => l.trim()).length;
    const server = await startServer(configPath, path.join(dir, 'work'));
    try {
      const live = await openEvents(server);
      const start = await call(server, 'POST', '/api/v1/runs', { body: { action: 'preflight' } });
      assert.equal(start.status, 202, start.text);
      const busy = await call(server, 'POST', '/api/v1/runs', { body: { action: 'preflight' } });
      assert.equal(busy.status, 409);
      const finished = await live.waitFor(hasEvent('run_finished'), 300000);
      const run = finished.data.events.find((e) => e.type === 'run_finished');
      const status = await call(server, 'GET', '/api/v1/status');
      assert.equal(run.outcome, 'succeeded', JSON.stringify(status.json.stages.preflight));
      assert.equal(status.json.stages.preflight.state, 'succeeded');
      const hosts = await call(server, 'GET', '/api/v1/hosts?stage=preflight&limit=1000');
      assert.equal(hosts.json.total, hostCount);
      assert.ok(hosts.json.hosts.every((h) => h.state === 'succeeded'));
      const host = hosts.json.hosts[0].host;
      const logs = await call(server, 'GET', `/api/v1/logs?host=${encodeURIComponent(host)}&stage=preflight`);
      assert.ok(logs.json.steps.length > 0);
      assert.ok(logs.json.steps.every((s) => s.host === host && s.finished_ms !== null));
      live.close();
    } finally {
      assert.equal(await stopServer(server), 0);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
