// Shared helpers of the browser tests: Debian's chromium driven by playwright-core, headless,
// with every background network feature off (this machine reaches no network), a fresh
// profile per launch, and console errors collected so tests can assert there are none.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';

export const root = path.resolve(new URL('../..', import.meta.url).pathname);
const require = createRequire(path.join(root, 'web', 'package.json'));

export function chromiumPath() {
  for (const p of [process.env.DCINSTALL_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && fs.existsSync(p)) return p;
  }
  return null;
}

export function loadPlaywright() {
  try {
    return require('playwright-core');
  } catch {
    return null;
  }
}

// Why the browser tests cannot run here, or '' when they can.
export function browserSkipReason() {
  if (!chromiumPath()) return 'chromium is not installed (make deps installs Debian chromium)';
  if (!loadPlaywright()) return 'web/node_modules is missing (make deps runs npm ci in web/)';
  return '';
}

// `ignoreHTTPSErrors`: accept a test's self-signed certificate (api_https_test checks the
// certificate itself).
export async function launch({ ignoreHTTPSErrors = false } = {}) {
  const { chromium } = loadPlaywright();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dcinstall-chromium-'));
  // A persistent context is how playwright takes a fresh --user-data-dir of our own.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    ignoreHTTPSErrors,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

// A page (1280×800) that records console errors and page errors.
export async function newPage(context) {
  // The persistent context opens with one blank page: use it first.
  const blank = context.pages().find((p) => p.url() === 'about:blank' && !p.__dcinstallUsed);
  const page = blank ?? (await context.newPage());
  page.__dcinstallUsed = true;
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location()?.url ?? ''})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return { page, errors };
}

export function screenshotDir() {
  const dir = process.env.DCINSTALL_SCREENSHOTS ?? path.join(root, 'build', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// Starts a server process that prints "... http://HOST:PORT/?token=T" and resolves with the URL.
export function startServer(command, args, { env = {}, cwd, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${command} printed no URL within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d) => {
      out += d.toString();
      const m = out.match(/(https?:\/\/[^\s/]+)\/\?token=([A-Za-z0-9_-]+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[0], origin: m[1], token: m[2], output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before printing a URL:\n${out}`));
    });
  });
}

export async function stopServer(server) {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  const t = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}
