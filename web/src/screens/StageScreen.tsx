// Preflight, Deploy and Postflight share one layout: the stage's state and actions, a status bar
// per role, and the live host table. Deploy adds the masters-first phases; Postflight adds the
// deadline countdown and the cluster-wide check.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, failuresApi, type StageStatus, type Status } from '../api';
import { FailureCauses } from '../components/FailureCauses';
import { HostTable } from '../components/HostTable';
import { Icon, StateBadge } from '../components/icons';
import { RoleBars } from '../components/RoleBars';
import { navigate, type ScreenName } from '../router';
import { refreshStatus } from '../store';

// The API's error codes (docs/http-api.md) that the Configure screen can fix.
const CONFIG_ERROR_CODES = new Set(['invalid_config', 'config_unreadable', 'no_config']);

type Kind = 'preflight' | 'deploy' | 'postflight';

const INFO: Record<Kind, { title: string; lead: string; start: string; next: ScreenName; nextLabel: string }> = {
  preflight: {
    title: 'Preflight',
    lead: "Checks every host for its role — OS, kernel, CPU, memory, disk, free ports, clock sync, tools, no previous install. Nothing is changed on the hosts.",
    start: 'Run preflight',
    next: 'deploy',
    nextLabel: 'Continue to Deploy',
  },
  deploy: {
    title: 'Deploy',
    lead: 'Ships each host its role bundle, verifies the checksum, unpacks it into a versioned directory, switches atomically and starts the services. Masters first, then agents in parallel. Hosts already at this bundle are skipped.',
    start: 'Deploy',
    next: 'postflight',
    nextLabel: 'Continue to Postflight',
  },
  postflight: {
    title: 'Postflight',
    lead: 'Polls the health checks of every host until they pass or the deadline is reached, then checks the cluster as a whole: every master in one quorum, every agent registered with its role.',
    start: 'Run postflight',
    next: 'success',
    nextLabel: 'See the result',
  },
};

function counts(stage: StageStatus | undefined) {
  let failed = 0, total = 0;
  for (const c of Object.values(stage?.roles ?? {})) {
    if (!c) continue;
    failed += c.failed + c.cancelled;
    total += c.total;
  }
  return { failed, total };
}

function formatSeconds(s: number) {
  if (!isFinite(s) || s < 0) return '';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}

function Phases({ stage }: { stage: StageStatus | undefined }) {
  const m = stage?.roles?.master;
  const agentsTotal = (stage?.roles?.agent?.total ?? 0) + (stage?.roles?.public_agent?.total ?? 0);
  const phase = stage?.phase ?? '';
  const running = stage?.state === 'running';
  const mastersDone = m ? m.succeeded + m.skipped === m.total && m.total > 0 : false;
  const mastersState = running && phase === 'masters' ? 'running' : mastersDone ? 'succeeded' : m && m.failed > 0 ? 'failed' : 'pending';
  const agentsState =
    running && phase === 'agents'
      ? 'running'
      : stage?.state === 'succeeded'
        ? 'succeeded'
        : stage?.state === 'failed' && mastersDone
          ? 'failed'
          : 'pending';
  return (
    <div class="phases" data-testid="phases" data-phase={phase}>
      <div class={`phase${running && phase === 'masters' ? ' current' : ''}`}>
        <span class="phase-no">1</span>
        <div>
          <b>Masters</b>
          <p class="muted">Form the quorum ({m?.total ?? 0} {m?.total === 1 ? 'host' : 'hosts'})</p>
        </div>
        <StateBadge state={mastersState} />
      </div>
      <Icon name="chevron" size={18} class="phase-arrow" />
      <div class={`phase${running && phase === 'agents' ? ' current' : ''}`}>
        <span class="phase-no">2</span>
        <div>
          <b>Agents</b>
          <p class="muted">In parallel ({agentsTotal} {agentsTotal === 1 ? 'host' : 'hosts'})</p>
        </div>
        <StateBadge state={agentsState} />
      </div>
    </div>
  );
}

function Countdown({ stage, timeoutS }: { stage: StageStatus | undefined; timeoutS: number | null }) {
  const [now, setNow] = useState(Date.now());
  const [anchor, setAnchor] = useState({ at: Date.now(), seconds: stage?.seconds ?? 0 });
  useEffect(() => {
    setAnchor({ at: Date.now(), seconds: stage?.seconds ?? 0 });
  }, [stage?.seconds, stage?.state]);
  useEffect(() => {
    if (stage?.state !== 'running') return;
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, [stage?.state]);
  if (!stage || stage.state === 'not_started' || timeoutS === null) return null;
  const elapsed = stage.state === 'running' ? anchor.seconds + (now - anchor.at) / 1000 : stage.seconds;
  const left = Math.max(0, timeoutS - elapsed);
  const mm = Math.floor(left / 60);
  const ss = Math.floor(left % 60);
  return (
    <div class={`countdown${stage.state === 'running' ? '' : ' done'}`} data-testid="countdown">
      <span class="muted">Deadline</span>
      {stage.state === 'running' ? (
        <b class="mono">
          {mm}:{String(ss).padStart(2, '0')}
        </b>
      ) : (
        <b>{stage.state === 'succeeded' ? `healthy after ${formatSeconds(stage.seconds)}` : `ended after ${formatSeconds(stage.seconds)}`}</b>
      )}
      <span class="muted">of {formatSeconds(timeoutS)}</span>
    </div>
  );
}

function ClusterCheck({ stage }: { stage: StageStatus | undefined }) {
  const state = stage?.state ?? 'not_started';
  return (
    <section class={`card cluster-check tone-border-${state}`} data-testid="cluster-check" data-state={state}>
      <div class="cluster-check-head">
        <h2>Cluster check</h2>
        <StateBadge state={state} label={state === 'succeeded' ? 'Healthy' : undefined} />
      </div>
      <p>
        {stage?.summary ||
          (state === 'not_started'
            ? 'Runs once every host passes its own checks: one quorum with every master, every agent registered with its role.'
            : '')}
      </p>
    </section>
  );
}

export function StageScreen({ kind, status }: { kind: Kind; status: Status }) {
  const info = INFO[kind];
  const stage = status.stages[kind];
  const state = stage?.state ?? 'not_started';
  const { failed } = counts(stage);
  const running = status.running;
  const thisRunning = state === 'running' || (kind === 'postflight' && status.stages['cluster-check']?.state === 'running');
  const [message, setMessage] = useState('');
  const [errorCode, setErrorCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [timeoutS, setTimeoutS] = useState<number | null>(null);
  // Preflight: install the missing prerequisites first; starts as the config's install_prereqs.
  const [installPrereqs, setInstallPrereqs] = useState(false);
  // The cause the host table is filtered to ("" = every host).
  const [cause, setCause] = useState('');

  useEffect(() => {
    if (kind !== 'preflight') return;
    api
      .config()
      .then((c) => setInstallPrereqs(c.values.install_prereqs === true))
      .catch(() => setInstallPrereqs(false));
  }, [kind]);

  useEffect(() => {
    if (kind !== 'postflight') return;
    Promise.all([api.config(), api.schema()])
      .then(([c, s]) => {
        const v = c.values.postflight_timeout_s;
        const d = s.keys.find((k) => k.key === 'postflight_timeout_s')?.default;
        const n = Number(v ?? d ?? 900);
        setTimeoutS(isFinite(n) ? n : 900);
      })
      .catch(() => setTimeoutS(900));
  }, [kind]);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setMessage('');
    setErrorCode('');
    try {
      await fn();
      await refreshStatus();
    } catch (e) {
      setMessage((e as Error).message);
      setErrorCode(e instanceof ApiError ? e.code : '');
    } finally {
      setBusy(false);
    }
  };

  const overall =
    kind === 'postflight' && state === 'succeeded' ? (status.stages['cluster-check']?.state ?? state) : state;
  const done = overall === 'succeeded';

  return (
    <div class="screen" data-screen={kind}>
      <div class="screen-head">
        <div>
          <h1>
            {info.title} <StateBadge state={state} />
          </h1>
          <p class="lead">{info.lead}</p>
        </div>
        {kind === 'postflight' && <Countdown stage={stage} timeoutS={timeoutS} />}
      </div>

      {stage?.summary && (
        <div class={`notice tone-${state === 'failed' ? 'bad' : state === 'succeeded' ? 'ok' : 'run'}`} data-testid="stage-summary">
          <Icon name={state === 'failed' ? 'cross' : state === 'succeeded' ? 'check' : 'info'} />
          <span>
            {stage.summary}
            {stage.seconds > 0 && <span class="muted"> · {formatSeconds(stage.seconds)}</span>}
          </span>
        </div>
      )}

      <div class="actions stage-actions">
        {!thisRunning && (
          <button
            class={`btn ${done ? '' : 'btn-primary'}`}
            disabled={busy || running}
            onClick={() => act(() => api.startRun(kind, false, kind === 'preflight' ? installPrereqs : undefined))}
            data-testid="start-stage"
          >
            <Icon name="play" size={13} /> {state === 'not_started' ? info.start : `${info.start} again`}
          </button>
        )}
        {!thisRunning && failed > 0 && (
          <button class="btn" disabled={busy || running} onClick={() => act(() => api.startRun(kind, true, kind === 'preflight' ? installPrereqs : undefined))} data-testid="retry-failed">
            <Icon name="retry" size={14} /> Retry {failed} failed {failed === 1 ? 'host' : 'hosts'}
          </button>
        )}
        {kind === 'preflight' && !thisRunning && (
          <label class="checkbox" title="Install what the distribution's prerequisites lack on each host, then check">
            <input
              type="checkbox"
              checked={installPrereqs}
              disabled={busy || running}
              onChange={(e) => setInstallPrereqs((e.currentTarget as HTMLInputElement).checked)}
              data-testid="install-prereqs"
            />
            Install missing prerequisites
          </label>
        )}
        {thisRunning && (
          <button class="btn btn-danger" disabled={busy} onClick={() => act(() => api.cancelRun())} data-testid="cancel-run">
            <Icon name="stop" size={12} /> Cancel
          </button>
        )}
        <span class="spacer" />
        {done && (
          <button class="btn btn-primary" onClick={() => navigate(info.next)} data-testid="next-screen">
            {info.nextLabel} <Icon name="chevron" size={14} />
          </button>
        )}
      </div>
      {message && (
        <div class="notice tone-bad" role="alert">
          <Icon name="cross" /> {message}
          {CONFIG_ERROR_CODES.has(errorCode) && (
            <a href="#/configure" class="notice-link">
              Open Configure
            </a>
          )}
        </div>
      )}

      {kind === 'deploy' && <Phases stage={stage} />}

      <section class="card">
        <h2>Progress by role</h2>
        <RoleBars stage={stage} />
      </section>

      {kind === 'postflight' && <ClusterCheck stage={status.stages['cluster-check']} />}

      <FailureCauses
        stage={kind}
        status={stage}
        selected={cause}
        onSelect={setCause}
        onRetry={busy || running ? undefined : (c) => act(() => failuresApi.retryCause(kind, kind, c))}
      />

      <section class="card table-card">
        <h2>Hosts{cause && <span class="muted" data-testid="cause-filter"> · failed with: {cause}</span>}</h2>
        <HostTable
          stage={kind}
          cause={cause}
          onOpenLog={(host) => navigate('logs', { host, stage: kind })}
        />
      </section>
    </div>
  );
}
