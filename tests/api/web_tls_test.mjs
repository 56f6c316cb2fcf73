// `dcinstall web --tls-cert/--tls-key`: HTTPS with a certificate made here by openssl, checked by
// Node's TLS client against that certificate (the address is in its subjectAltName). Also: the
// Secure cookie, the events stream over TLS, plain HTTP refused on the TLS port, and the start
// errors (one file only, unreadable certificate, key of another certificate). Needs
// DCINSTALL_BINARY and openssl.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startServer, stopServer } from '../web/browser.mjs';

const binary = process.env.DCINSTALL_BINARY;
assert.ok(binary, 'DCINSTALL_BINARY must be set');

let tmp;
let cert;
let server;

function webArgs(...tlsArgs) {
  return ['web', '-c', path.join(tmp, 'config.yaml'), '--work-dir', path.join(tmp, 'genconf'),
    '--listen', '127.0.0.1:0', ...tlsArgs];
}

// `dcinstall web` with TLS (browser.mjs's startServer: resolves once it printed its URL).
function startTlsServer() {
  return startServer(binary, webArgs('--tls-cert', path.join(tmp, 'cert.pem'),
    '--tls-key', path.join(tmp, 'key.pem')));
}

// One HTTPS GET that trusts only `cert`; resolves with {status, headers, body, peer}.
function get(urlPath, { token, ca = cert, readAll = true } = {}) {
  return new Promise((resolve, reject) => {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const req = https.get(server.origin + urlPath, { ca, headers }, (res) => {
      const peer = res.socket.getPeerCertificate();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
        if (!readAll) {
          req.destroy();
          resolve({ status: res.statusCode, headers: res.headers, body, peer });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, peer }));
    });
    req.setTimeout(20000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-api-tls-'));
  fs.writeFileSync(path.join(tmp, 'config.yaml'), 'cluster_name: tlstest\nmaster_list:\n  - 127.0.0.1\n');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
  execFileSync('openssl', ['req', '-x509', ...ec, '-keyout', path.join(tmp, 'key.pem'),
    '-out', path.join(tmp, 'cert.pem'), '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-x509', ...ec, '-keyout', path.join(tmp, 'other-key.pem'),
    '-out', path.join(tmp, 'other-cert.pem'), '-subj', '/CN=other'], { stdio: 'ignore' });
  cert = fs.readFileSync(path.join(tmp, 'cert.pem'));
  server = await startTlsServer();
});

after(async () => {
  await stopServer(server);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the API answers over TLS with the given certificate, and still needs the token', async () => {
  const status = await get('/api/v1/status', { token: server.token });
  assert.equal(status.status, 200);
  assert.equal(JSON.parse(status.body).cluster.name, 'tlstest');
  const fingerprint = new crypto.X509Certificate(cert).fingerprint256;
  assert.equal(status.peer.fingerprint256, fingerprint);
  assert.equal((await get('/api/v1/status')).status, 401);
});

test('a client that does not trust the certificate is refused by its own TLS check', async () => {
  await assert.rejects(get('/api/v1/status', { token: server.token, ca: [] }),
    /self[- ]signed|unable to verify/i);
});

test('the tokenised URL sets a Secure, HttpOnly cookie', async () => {
  const res = await get(`/?token=${server.token}`);
  assert.equal(res.status, 303);
  const cookie = [res.headers['set-cookie']].flat().join('\n');
  assert.match(cookie, new RegExp(`^__Host-dcinstall_token_${new URL(server.url).port}=${server.token};`));
  assert.match(cookie, /; Secure/);
  assert.match(cookie, /HttpOnly/);
});

test('the events stream flows over TLS', async () => {
  const res = await get('/api/v1/events', { token: server.token, readAll: false });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /text\/event-stream/);
});

test('plain HTTP on the TLS port gets no HTTP answer', async () => {
  const plain = server.origin.replace('https://', 'http://');
  const outcome = await new Promise((resolve) => {
    const req = http.get(`${plain}/api/v1/status`, (res) => resolve(`answered ${res.statusCode}`));
    req.setTimeout(20000, () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve(`error ${e.code || e.message}`));
  });
  assert.match(outcome, /^error /);
  // The server is unharmed.
  assert.equal((await get('/api/v1/status', { token: server.token })).status, 200);
});

test('bad TLS options stop the start with exit 2 and say which file', () => {
  const run = (...args) => spawnSync(binary, webArgs(...args), { encoding: 'utf8', timeout: 30000 });
  const onlyCert = run('--tls-cert', path.join(tmp, 'cert.pem'));
  assert.equal(onlyCert.status, 2);
  assert.match(onlyCert.stderr, /--tls-cert and --tls-key go together/);

  const missing = path.join(tmp, 'missing.pem');
  const noFile = run('--tls-cert', missing, '--tls-key', path.join(tmp, 'key.pem'));
  assert.equal(noFile.status, 2);
  assert.ok(noFile.stderr.includes(missing), noFile.stderr);

  const otherKey = path.join(tmp, 'other-key.pem');
  const mismatch = run('--tls-cert', path.join(tmp, 'cert.pem'), '--tls-key', otherKey);
  assert.equal(mismatch.status, 2);
  assert.ok(mismatch.stderr.includes(otherKey), mismatch.stderr);
  assert.match(mismatch.stderr, /does not match the certificate/);
  assert.ok(!mismatch.stderr.includes('BEGIN'), 'no key material in the message');
});
