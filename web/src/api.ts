// The HTTP API client (contract: docs/http-api.md). Every call goes to the same origin; the
// server authenticates with the cookie it set from /?token=. A 401 from any call flips the whole
// app to the "open the URL printed by dcinstall web" screen (see onUnauthorized).

export type Role = 'master' | 'agent' | 'public_agent';
// The stages in run order, as the server names them (src/orchestrator's stage_name()).
export const STAGE_NAMES = ['preflight', 'deploy', 'postflight', 'cluster-check', 'uninstall', 'upgrade'] as const;
export type StageName = (typeof STAGE_NAMES)[number];
export type StageState = 'not_started' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type HostState =
  | 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'interrupted';

export interface SchemaKey {
  key: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'string_list' | 'host_list' | 'host';
  doc: string;
  required: boolean;
  secret: boolean;
  default: string | null;
  choices: string[];
  min?: number | null;
  max?: number | null;
  pattern_doc?: string;
  source: string;
  group: 'hosts' | 'ssh' | 'cluster' | 'distribution' | string;
}

export interface Diagnostic {
  key: string;
  line: number;
  column: number;
  message: string;
  text: string;
}

export type ConfigValue = string | number | boolean | string[];

export interface ConfigResponse {
  path: string;
  exists: boolean;
  values: Record<string, ConfigValue>;
  secrets: Record<string, 'set' | 'not set'>;
  valid: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface ValidateResponse {
  valid: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export interface RoleCounts {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
  interrupted: number;
}

export interface StageStatus {
  state: StageState;
  // deploy: 'masters' | 'agents'; upgrade: 'health gate' or the wave's label; else ''
  phase: string;
  summary: string;
  seconds: number;
  roles: Partial<Record<Role, RoleCounts>>;
}

export interface RunInfo {
  id: number;
  command: string;
  started_ms: number;
  finished_ms: number | null;
  outcome: string;
}

export interface Status {
  running: boolean;
  run: RunInfo | null;
  event_id: number;
  cluster: { name: string; masters: string[]; agents: string[]; public_agents: string[] };
  stages: Partial<Record<StageName, StageStatus>>;
}

export interface HostRow {
  host: string;
  role: Role;
  state: HostState;
  step: string;
  last_line: string;
  error: string;
  bundle_id: string;
  updated_ms: number;
}

export interface HostsResponse {
  total: number;
  hosts: HostRow[];
}

export interface LogStep {
  run_id: number;
  host: string;
  stage: StageName;
  step: string;
  command: string;
  started_ms: number;
  finished_ms: number | null;
  exit_code: number | null;
  error: string;
  output: string;
  output_truncated: boolean;
}

// GET /api/v1/plan: what an upgrade or a rollback would change, wave by wave.
export interface PlanHost {
  host: string;
  role: Role;
  from_bundle: string;
  to_bundle: string;
  reason: string;
}

export interface PlanWave {
  label: string;
  role: Role;
  hosts: PlanHost[];
}

export interface Plan {
  kind: 'upgrade' | 'rollback';
  hosts_changing: number;
  waves: PlanWave[];
  unchanged: PlanHost[];
}

// A host of a rolling change as it goes (GET /api/v1/upgrade, `host_changed` events).
export type ChangeState = 'waiting' | 'changing' | 'upgraded' | 'rolled-back' | 'rollback-failed' | 'failed';

export interface ChangeHost extends PlanHost {
  state: ChangeState;
  step: string;
  error: string;
}

export interface ChangeWave {
  index: number;
  label: string;
  role: Role;
  state: 'waiting' | 'running' | 'succeeded' | 'failed';
  hosts: ChangeHost[];
}

// GET /api/v1/upgrade: the rolling change running now or last.
export interface RollingChange {
  known: boolean;
  running: boolean;
  run_id: number | null;
  kind: 'upgrade' | 'rollback';
  state: '' | 'running' | 'completed' | 'paused' | 'stopped';
  phase: string;
  wave: number | null;
  summary: string;
  hosts_total: number;
  hosts_done: number;
  hosts_failed: number;
  waves: ChangeWave[];
  event_id: number;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public body: unknown,
  ) {
    super(message);
  }
}

let unauthorizedHandler: () => void = () => {};
export function onUnauthorized(handler: () => void) {
  unauthorizedHandler = handler;
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      signal,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (signal?.aborted) throw new ApiError(0, 'aborted', 'cancelled', null);
    throw new ApiError(0, 'network', 'The dcinstall server cannot be reached. Is `dcinstall web` still running?', null);
  }
  const text = await response.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (response.status === 401) {
    unauthorizedHandler();
  }
  if (!response.ok) {
    const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      response.status,
      err?.code ?? `http_${response.status}`,
      err?.message ?? `${method} ${path} failed with HTTP ${response.status}`,
      parsed,
    );
  }
  return parsed as T;
}

export interface HostQuery {
  stage: StageName;
  role?: string;
  state?: string;
  q?: string;
  cause?: string;
  offset: number;
  limit: number;
}

export const api = {
  schema: () => call<{ keys: SchemaKey[] }>('GET', '/api/v1/schema'),
  config: () => call<ConfigResponse>('GET', '/api/v1/config'),
  validate: (values: Record<string, ConfigValue>) =>
    call<ValidateResponse>('POST', '/api/v1/config/validate', { values }),
  saveConfig: (values: Record<string, ConfigValue>) =>
    call<ConfigResponse>('PUT', '/api/v1/config', { values }),
  uploadKey: (privateKey: string) =>
    call<{ ssh_key_path: string; fingerprint: string }>('POST', '/api/v1/ssh-key', {
      private_key: privateKey,
    }),
  // installPrereqs: undefined leaves it to the config's install_prereqs.
  startRun: (action: string, retryFailed = false, installPrereqs?: boolean) =>
    call<{ run_id: number }>('POST', '/api/v1/runs', {
      action,
      retry_failed: retryFailed,
      ...(installPrereqs === undefined ? {} : { install_prereqs: installPrereqs }),
    }),
  cancelRun: () => call<Record<string, never>>('POST', '/api/v1/runs/cancel'),
  status: () => call<Status>('GET', '/api/v1/status'),
  hosts: (query: HostQuery, signal?: AbortSignal) => {
    const params = new URLSearchParams({
      stage: query.stage,
      offset: String(query.offset),
      limit: String(query.limit),
    });
    if (query.role) params.set('role', query.role);
    if (query.state) params.set('state', query.state);
    if (query.q) params.set('q', query.q);
    if (query.cause) params.set('cause', query.cause);
    return call<HostsResponse>('GET', `/api/v1/hosts?${params}`, undefined, signal);
  },
  plan: (action: 'upgrade' | 'rollback') => call<Plan>('GET', `/api/v1/plan?action=${action}`),
  upgrade: () => call<RollingChange>('GET', '/api/v1/upgrade'),
  logs: (host: string, stage?: string) => {
    const params = new URLSearchParams({ host });
    if (stage) params.set('stage', stage);
    return call<{ steps: LogStep[] }>('GET', `/api/v1/logs?${params}`);
  },
};

export const SUPPORT_BUNDLE_URL = '/api/v1/support-bundle';

// GET /api/v1/failures: a stage's failed hosts grouped by cause, largest first.
export interface FailureGroup {
  cause: string;
  count: number;
  hosts: string[]; // up to 3 examples
}
export interface FailuresResponse {
  stage: string;
  total: number;
  causes: FailureGroup[];
  more_causes: number;
}
export const failuresApi = {
  failures: (stage: string) =>
    call<FailuresResponse>('GET', `/api/v1/failures?${new URLSearchParams({ stage })}`),
  // Retries the hosts of `stage` that failed with `cause` (and no other host).
  retryCause: (action: string, stage: string, cause: string) =>
    call<{ run_id: number }>('POST', '/api/v1/runs', { action, stage, cause, retry_failed: true }),
};
