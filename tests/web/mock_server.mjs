// A small stand-in for `dcinstall web` implementing docs/http-api.md (the contract), for
// developing the front end without the C++ server. Not used by the final e2e test.
//
//   node tests/web/mock_server.mjs [--port 0] [--dist web/dist] [--hosts N] [--state mixed]
// Prints "dcinstall web: open http://127.0.0.1:PORT/?token=TOKEN" like the real server.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const dist = path.resolve(args.dist ?? new URL('../../web/dist', import.meta.url).pathname);
const token = args.token ?? crypto.randomBytes(32).toString('base64url');
const preload = Number(args.hosts ?? 0);
const stepMs = Number(args['step-ms'] ?? 400);

const SCHEMA = [
  { key: 'cluster_name', type: 'string', doc: 'Name of the cluster; part of the cluster id and of every bundle.', required: true, secret: false, default: null, choices: [], pattern_doc: "1–63 characters of a-z, 0-9 and '-'", source: 'dcinstall', group: 'cluster' },
  { key: 'master_list', type: 'host_list', doc: 'Hosts that run the quorum store. Entries are [user@]address[:port].', required: true, secret: false, default: null, choices: [], source: 'dcinstall', group: 'hosts' },
  { key: 'agent_list', type: 'host_list', doc: 'Hosts that run workloads (private agents).', required: false, secret: false, default: '', choices: [], source: 'dcinstall', group: 'hosts' },
  { key: 'public_agent_list', type: 'host_list', doc: 'Hosts that run public-facing workloads (public agents).', required: false, secret: false, default: '', choices: [], source: 'dcinstall', group: 'hosts' },
  { key: 'ssh_user', type: 'string', doc: 'User to log in as, unless a host entry gives user@.', required: false, secret: false, default: 'root', choices: [], source: 'dcinstall', group: 'ssh' },
  { key: 'ssh_port', type: 'integer', doc: 'sshd port on every host, unless a host entry gives :port.', required: false, secret: false, default: '22', choices: [], min: 1, max: 65535, source: 'dcinstall', group: 'ssh' },
  { key: 'ssh_key_path', type: 'string', doc: 'Private key to log in with.', required: false, secret: false, default: null, choices: [], source: 'dcinstall', group: 'ssh' },
  { key: 'ssh_host_key_policy', type: 'string', doc: 'How host keys are checked.', required: false, secret: false, default: 'strict', choices: ['strict', 'accept-new', 'off'], source: 'dcinstall', group: 'ssh' },
  { key: 'ssh_known_hosts_path', type: 'string', doc: 'known_hosts file used to verify host keys.', required: false, secret: false, default: '~/.ssh/known_hosts', choices: [], source: 'dcinstall', group: 'ssh' },
  { key: 'ssh_use_agent', type: 'boolean', doc: 'Try keys held by ssh-agent.', required: false, secret: false, default: 'false', choices: [], source: 'dcinstall', group: 'ssh' },
  { key: 'postflight_timeout_s', type: 'number', doc: 'Seconds postflight polls health checks.', required: false, secret: false, default: '900', choices: [], source: 'dcinstall', group: 'cluster' },
  { key: 'agent_failure_budget', type: 'string', doc: 'How many agents may fail without failing a stage.', required: false, secret: false, default: '0', choices: [], source: 'dcinstall', group: 'cluster' },
  { key: 'etcd_client_port', type: 'integer', doc: "Port of etcd's client API on every master.", required: false, secret: false, default: '2379', choices: [], min: 1, max: 65535, source: 'reference', group: 'distribution' },
  { key: 'registry_password', type: 'string', doc: 'Password of the image registry (secret).', required: false, secret: true, default: null, choices: [], source: 'reference', group: 'distribution' },
];

let config = { values: {}, secrets: { registry_password: 'not set' }, exists: false };

function diag(key, message) {
  return { key, line: 0, column: 0, message, text: `config.yaml:0:0: ${key}: ${message}` };
}
function validate(values) {
  const errors = [];
  if (!values.cluster_name) errors.push(diag('cluster_name', 'is required; expected 1–63 characters of a-z, 0-9 and -'));
  else if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(values.cluster_name)) errors.push(diag('cluster_name', `'${values.cluster_name}' does not match; expected 1–63 characters of a-z, 0-9 and '-'`));
  const masters = values.master_list ?? [];
  if (!masters.length) errors.push(diag('master_list', 'is required; expected 1, 3, 5, 7 or 9 hosts'));
  else if (![1, 3, 5, 7, 9].includes(masters.length)) errors.push(diag('master_list', `has ${masters.length} hosts; expected 1, 3, 5, 7 or 9 (an odd quorum)`));
  if (values.ssh_port !== undefined && !(Number.isInteger(values.ssh_port) && values.ssh_port >= 1 && values.ssh_port <= 65535)) errors.push(diag('ssh_port', `'${values.ssh_port}' is not an integer in 1–65535`));
  for (const k of Object.keys(values)) if (!SCHEMA.some((s) => s.key === k)) errors.push(diag(k, 'unknown key'));
  return { valid: errors.length === 0, errors, warnings: [] };
}

// ---- run state
let eventId = 0;
const ring = []; // {id, events}
let pending = [];
const clients = new Set();
let run = null;
let running = false;
const stages = {};
const hosts = {}; // stage -> Map(host -> row)
const logs = new Map(); // `${host}|${stage}` -> steps

function roleOf(i, n) {
  const m = Math.min(3, n);
  if (i < m) return 'master';
  if (i < m + Math.max(0, Math.floor((n - m) * 0.85))) return 'agent';
  return 'public_agent';
}
function clusterHosts() {
  const v = config.values;
  const all = [];
  for (const [k, role] of [['master_list', 'master'], ['agent_list', 'agent'], ['public_agent_list', 'public_agent']]) {
    for (const h of v[k] ?? []) all.push({ host: h.includes(':') ? h : `${h}:${v.ssh_port ?? 22}`, role });
  }
  return all;
}
function emptyCounts() {
  return { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
}
function recount(stage) {
  const roles = {};
  for (const row of hosts[stage]?.values() ?? []) {
    roles[row.role] ??= emptyCounts();
    roles[row.role].total++;
    roles[row.role][row.state]++;
  }
  stages[stage].roles = roles;
}
function emit(e) {
  pending.push(e);
}
setInterval(() => {
  if (!pending.length) return;
  // coalesce: per host its latest state
  const out = [];
  const last = new Map();
  for (const e of pending) {
    if (e.type === 'host') last.set(`${e.stage}|${e.host}`, e);
    else out.push(e);
  }
  out.push(...last.values());
  pending = [];
  const id = ++eventId;
  ring.push({ id, events: out });
  if (ring.length > 200) ring.shift();
  for (const c of clients) {
    const evs = c.host ? out.concat(c.outputs.splice(0)) : out;
    c.res.write(`id: ${id}\nevent: batch\ndata: ${JSON.stringify({ events: evs.filter((x) => x.type !== 'output' || x.host === c.host) })}\n\n`);
  }
}, 100);
function emitOutput(stage, host, step, data) {
  for (const c of clients) if (c.host === host) c.outputs.push({ type: 'output', stage, host, step, stream: 'stdout', data });
}

const STEPS = { preflight: ['connect', 'os', 'resources', 'ports', 'tools'], deploy: ['upload', 'verify', 'unpack', 'switch', 'start'], postflight: ['health'], 'cluster-check': ['cluster'], uninstall: ['stop', 'remove'] };

function setHost(stage, row, patch) {
  Object.assign(row, patch, { updated_ms: Date.now() });
  emit({ type: 'host', stage, host: row.host, role: row.role, state: row.state, step: row.step, last_line: row.last_line, error: row.error });
}

async function runStage(stage, list, failSet) {
  stages[stage] = { state: 'running', phase: stage === 'deploy' ? 'masters' : '', summary: '', seconds: 0, roles: {} };
  const t0 = Date.now();
  hosts[stage] ??= new Map();
  for (const h of list) hosts[stage].set(h.host, { host: h.host, role: h.role, state: 'pending', step: '', last_line: '', error: '', bundle_id: 'b3f1c2', updated_ms: Date.now() });
  recount(stage);
  emit({ type: 'stage_started', stage, run_id: run.id, phase: stages[stage].phase });
  const doHost = async (row) => {
    const steps = [];
    logs.set(`${row.host}|${stage}`, steps);
    setHost(stage, row, { state: 'running' });
    for (const step of STEPS[stage]) {
      const s = { run_id: run.id, host: row.host, stage, step, command: `sh -c 'dcinstall-step ${step}'`, started_ms: Date.now(), finished_ms: null, exit_code: null, error: '', output: '', output_truncated: false };
      steps.push(s);
      setHost(stage, row, { step });
      for (let k = 0; k < 2; k++) {
        await new Promise((r) => setTimeout(r, stepMs / 2 + Math.random() * stepMs / 2));
        const line = `${step}: checking ${['kernel', 'cpu', 'memory', 'disk', 'ports'][k + 1]} on ${row.host} ... ok`;
        s.output += line + '\n';
        setHost(stage, row, { last_line: line });
        emitOutput(stage, row.host, step, line + '\n');
      }
      s.finished_ms = Date.now();
      if (failSet.has(row.host) && step === STEPS[stage].at(-1)) {
        s.exit_code = 1;
        s.error = `port 2379 is in use on ${row.host} (etcd from a previous install?)`;
        s.output += 'ERROR: port 2379 in use\n';
        setHost(stage, row, { state: 'failed', error: s.error });
        return;
      }
      s.exit_code = 0;
    }
    setHost(stage, row, { state: 'succeeded', error: '' });
  };
  const rows = [...hosts[stage].values()].filter((r) => list.some((h) => h.host === r.host));
  if (stage === 'deploy') {
    await Promise.all(rows.filter((r) => r.role === 'master').map(doHost));
    stages[stage].phase = 'agents';
    emit({ type: 'stage_started', stage, run_id: run.id, phase: 'agents' });
    await Promise.all(rows.filter((r) => r.role !== 'master').map(doHost));
  } else {
    await Promise.all(rows.map(doHost));
  }
  recount(stage);
  const failed = rows.filter((r) => r.state === 'failed').length;
  stages[stage].state = failed ? 'failed' : 'succeeded';
  stages[stage].phase = '';
  stages[stage].seconds = (Date.now() - t0) / 1000;
  stages[stage].summary = failed ? `${failed} of ${rows.length} hosts failed` : stage === 'cluster-check' ? `3 masters in one quorum, ${clusterHosts().length - 3} agents registered` : `${rows.length} hosts succeeded`;
  emit({ type: 'stage_finished', stage, ok: !failed });
  return !failed;
}

let failedOnce = new Set();
async function startRun(action, retry) {
  run = { id: (run?.id ?? 0) + 1, command: action + (retry ? ' --retry-failed' : ''), started_ms: Date.now(), finished_ms: null, outcome: '' };
  running = true;
  emit({ type: 'run_started', run_id: run.id });
  const all = clusterHosts();
  const list = retry ? all.filter((h) => hosts[action]?.get(h.host)?.state === 'failed') : all;
  // First preflight fails one agent, to show retry.
  const fail = args['fail-first'] !== '0' && action === 'preflight' && !failedOnce.has('preflight') && all.length > 3 ? new Set([all[3].host]) : new Set();
  if (fail.size) failedOnce.add('preflight');
  let ok = await runStage(action, list, fail);
  if (ok && action === 'postflight') ok = await runStage('cluster-check', [all[0]], new Set());
  recount(action);
  running = false;
  run.finished_ms = Date.now();
  run.outcome = ok ? 'succeeded' : 'failed';
  emit({ type: 'run_finished', run_id: run.id, ok });
}

if (preload) {
  const master_list = [], agent_list = [], public_agent_list = [];
  for (let i = 0; i < preload; i++) {
    const a = `127.201.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    ({ master: master_list, agent: agent_list, public_agent: public_agent_list })[roleOf(i, preload)].push(a);
  }
  config = { ...config, exists: true, values: { cluster_name: 'big', master_list, agent_list, public_agent_list } };
  stages.preflight = { state: 'failed', phase: '', summary: `${Math.floor(preload / 50)} of ${preload} hosts failed`, seconds: 84.2, roles: {} };
  hosts.preflight = new Map();
  clusterHosts().forEach((h, i) => {
    const failed = i % 50 === 7;
    hosts.preflight.set(h.host, { host: h.host, role: h.role, state: failed ? 'failed' : i % 13 === 0 ? 'running' : 'succeeded', step: failed ? 'ports' : 'tools', last_line: `tools: curl tar systemctl present on ${h.host}`, error: failed ? 'port 2379 is in use' : '', bundle_id: '', updated_ms: Date.now() });
  });
  recount('preflight');
  run = { id: 1, command: 'preflight', started_ms: Date.now() - 84000, finished_ms: Date.now(), outcome: 'failed' };
}

// ---- HTTP
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
function json(res, code, body) {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
function error(res, code, slug, message) {
  json(res, code, { error: { code: slug, message } });
}
function authed(req) {
  const cookie = req.headers.cookie ?? '';
  return cookie.split(/;\s*/).includes(`dcinstall_token=${token}`) || req.headers.authorization === `Bearer ${token}`;
}
async function body(req) {
  let s = '';
  for await (const c of req) s += c;
  return s ? JSON.parse(s) : {};
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (!p.startsWith('/api/')) {
    if (p === '/' && url.searchParams.get('token')) {
      if (url.searchParams.get('token') !== token) return error(res, 401, 'unauthorized', 'wrong token');
      res.writeHead(303, { 'Set-Cookie': `dcinstall_token=${token}; HttpOnly; SameSite=Strict; Path=/`, Location: '/' });
      return res.end();
    }
    const file = path.join(dist, p === '/' ? 'index.html' : p);
    if (!file.startsWith(dist) || !fs.existsSync(file)) return error(res, 404, 'not_found', 'no such file');
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    return res.end(fs.readFileSync(file));
  }
  if (!authed(req)) return error(res, 401, 'unauthorized', 'open the URL printed by dcinstall web');
  const m = `${req.method} ${p}`;
  try {
    if (m === 'GET /api/v1/schema') return json(res, 200, { keys: SCHEMA });
    if (m === 'GET /api/v1/config') return json(res, 200, { path: '/tmp/mock/config.yaml', exists: config.exists, values: config.values, secrets: config.secrets, ...validate(config.values) });
    if (m === 'POST /api/v1/config/validate') return json(res, 200, validate((await body(req)).values ?? {}));
    if (m === 'PUT /api/v1/config') {
      const values = (await body(req)).values ?? {};
      const v = validate(values);
      if (!v.valid) return json(res, 422, { error: { code: 'invalid_config', message: 'the configuration is invalid' }, ...v });
      const secrets = { ...config.secrets };
      for (const s of SCHEMA.filter((s) => s.secret)) if (values[s.key]) { secrets[s.key] = 'set'; delete values[s.key]; }
      config = { values, secrets, exists: true };
      return json(res, 200, { path: '/tmp/mock/config.yaml', exists: true, values, secrets, ...v });
    }
    if (m === 'POST /api/v1/ssh-key') {
      await body(req);
      return json(res, 200, { ssh_key_path: '/tmp/mock/work/ssh_key', fingerprint: 'SHA256:mockmockmock' });
    }
    if (m === 'POST /api/v1/runs') {
      const b = await body(req);
      if (running) return error(res, 409, 'run_in_progress', 'a run is already going');
      if (!validate(config.values).valid) return error(res, 422, 'invalid_config', 'the configuration is invalid');
      void startRun(b.action, !!b.retry_failed);
      return json(res, 202, { run_id: run.id });
    }
    if (m === 'POST /api/v1/runs/cancel') return json(res, 202, {});
    if (m === 'GET /api/v1/status') {
      for (const s of Object.keys(stages)) { recount(s); if (stages[s].state === 'running') stages[s].seconds = (Date.now() - run.started_ms) / 1000; }
      const v = config.values;
      return json(res, 200, { running, run, event_id: eventId, cluster: { name: v.cluster_name ?? '', masters: v.master_list ?? [], agents: v.agent_list ?? [], public_agents: v.public_agent_list ?? [] }, stages });
    }
    if (m === 'GET /api/v1/hosts') {
      const q = url.searchParams;
      const order = { failed: 0, running: 1 };
      let rows = [...(hosts[q.get('stage')]?.values() ?? [])];
      if (q.get('role')) rows = rows.filter((r) => r.role === q.get('role'));
      if (q.get('state')) rows = rows.filter((r) => r.state === q.get('state'));
      if (q.get('q')) rows = rows.filter((r) => r.host.includes(q.get('q')) || r.last_line.includes(q.get('q')));
      rows.sort((a, b) => (order[a.state] ?? 2) - (order[b.state] ?? 2) || (a.host < b.host ? -1 : 1));
      const off = Number(q.get('offset') ?? 0), lim = Number(q.get('limit') ?? 100);
      return json(res, 200, { total: rows.length, hosts: rows.slice(off, off + lim) });
    }
    if (m === 'GET /api/v1/logs') {
      const h = url.searchParams.get('host'), s = url.searchParams.get('stage');
      const steps = [];
      for (const st of s ? [s] : Object.keys(STEPS)) steps.push(...(logs.get(`${h}|${st}`) ?? []));
      return json(res, 200, { steps });
    }
    if (m === 'GET /api/v1/support-bundle') {
      res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Disposition': 'attachment; filename="dcinstall-support-mock.tar.gz"' });
      return res.end(zlib.gzipSync(Buffer.from('mock support bundle\n')));
    }
    if (m === 'GET /api/v1/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      const c = { res, host: url.searchParams.get('host'), outputs: [] };
      const last = Number(req.headers['last-event-id'] ?? url.searchParams.get('last_event_id') ?? eventId);
      if (last < eventId) {
        const missed = ring.filter((b) => b.id > last);
        if (!missed.length || missed[0].id !== last + 1) res.write(`id: ${eventId}\nevent: reset\ndata: {}\n\n`);
        else for (const b of missed) res.write(`id: ${b.id}\nevent: batch\ndata: ${JSON.stringify({ events: b.events })}\n\n`);
      }
      res.write(': hello\n\n');
      clients.add(c);
      req.on('close', () => clients.delete(c));
      return;
    }
    return error(res, 404, 'not_found', `no route ${m}`);
  } catch (e) {
    return error(res, 400, 'bad_request', String(e));
  }
});
server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  console.log(`dcinstall web: open http://127.0.0.1:${server.address().port}/?token=${token}`);
});
