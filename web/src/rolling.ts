// The rolling change (upgrade or rollback) as the screens show it: GET /api/v1/upgrade kept live
// from the event stream (wave and host events applied in place; a run's start or end refetches),
// the plans of GET /api/v1/plan, and the words for each host's state.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ChangeHost, type ChangeState, type Plan, type RollingChange, type Status } from './api';
import type { ServerEvent } from './events';
import { getState, onServerEvents, refreshStatus, useStore } from './store';

// "master 2/3" -> "Master 2 of 3", "public_agent batch 1/4" -> "Public agent batch 1 of 4".
export function waveTitle(label: string): string {
  const text = label.replace(/^public_agent/, 'public agent').replace(/(\d+)\/(\d+)/, '$1 of $2');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const STEP_WORDS: Record<string, string> = {
  '': 'Starting',
  probe: 'Checking',
  drain: 'Draining',
  switch: 'Switching',
  health: 'Health check',
  undrain: 'Undraining',
  rollback: 'Rolling back',
  'rollback-health': 'Health after rollback',
};

// The badge of a host: a StateBadge state (its icon and tone) and the word shown.
export function hostBadge(host: Pick<ChangeHost, 'state' | 'step'>): { state: string; label: string } {
  switch (host.state) {
    case 'waiting':
      return { state: 'pending', label: 'Waiting' };
    case 'changing':
      return { state: 'running', label: STEP_WORDS[host.step] ?? host.step };
    case 'upgraded':
      return { state: 'succeeded', label: 'Done' };
    case 'rolled-back':
      return { state: 'cancelled', label: 'Rolled back' };
    case 'rollback-failed':
      return { state: 'failed', label: 'Rollback failed' };
    default:
      return { state: 'failed', label: 'Failed' };
  }
}

export function failedState(state: ChangeState) {
  return state === 'rolled-back' || state === 'rollback-failed' || state === 'failed';
}

// "1 host", "10,000 hosts".
export function hosts(n: number) {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'host' : 'hosts'}`;
}

// The first 12 characters of a bundle id (they are content hashes).
export function shortBundle(id: string) {
  return id ? id.slice(0, 12) : '—';
}

// A plan as a rolling change that has not started: every host waiting.
export function planAsChange(plan: Plan): RollingChange {
  return {
    known: false,
    running: false,
    run_id: null,
    kind: plan.kind,
    state: '',
    phase: '',
    wave: null,
    summary: '',
    hosts_total: plan.hosts_changing,
    hosts_done: 0,
    hosts_failed: 0,
    event_id: 0,
    waves: plan.waves.map((w, index) => ({
      index,
      label: w.label,
      role: w.role,
      state: 'waiting',
      hosts: w.hosts.map((h) => ({ ...h, state: 'waiting', step: '', error: '' })),
    })),
  };
}

// Applies a batch to `change` in place, as the server's RollingView does: a wave's
// stage_started/stage_finished (stage upgrade; the phase is the wave's label) and host_changed.
// False when the batch holds what only a refetch can show (a run began or ended, the config
// changed, a host or wave it does not hold, a wave that failed).
function applyEvents(change: RollingChange, events: ServerEvent[]): boolean {
  let complete = true;
  for (const e of events) {
    if (e.type === 'run_started' || e.type === 'run_finished' || e.type === 'config_changed') {
      complete = false;
    } else if (e.type === 'stage_started' && e.stage === 'upgrade') {
      change.phase = e.phase;
      change.wave = null;
      if (e.phase === 'health gate') continue;
      const wave = change.waves.find((w) => w.label === e.phase && w.state === 'waiting');
      if (wave) {
        wave.state = 'running';
        change.wave = wave.index;
      } else {
        complete = false;
      }
    } else if (e.type === 'stage_finished' && e.stage === 'upgrade') {
      const wave = change.wave === null ? undefined : change.waves[change.wave];
      if (wave) {
        const ok = e.ok && wave.hosts.every((h) => h.state === 'upgraded');
        wave.state = ok ? 'succeeded' : 'failed';
        complete = complete && ok;
      }
      change.phase = '';
      change.wave = null;
    } else if (e.type === 'host_changed') {
      let found = false;
      for (const wave of change.waves) {
        const host = wave.hosts.find((h) => h.host === e.host);
        if (!host) continue;
        host.state = e.outcome;
        host.step = e.step;
        host.error = e.error;
        host.from_bundle = e.from_bundle;
        host.to_bundle = e.to_bundle;
        found = true;
        break;
      }
      complete = complete && found;
    }
  }
  change.hosts_done = 0;
  change.hosts_failed = 0;
  for (const wave of change.waves) {
    for (const h of wave.hosts) {
      if (h.state === 'upgraded') change.hosts_done++;
      if (failedState(h.state)) change.hosts_failed++;
    }
  }
  return complete;
}

function concernsTheChange(e: ServerEvent) {
  return (
    e.type === 'host_changed' ||
    e.type === 'run_started' ||
    e.type === 'run_finished' ||
    e.type === 'config_changed' ||
    ((e.type === 'stage_started' || e.type === 'stage_finished') && e.stage === 'upgrade')
  );
}

// GET /api/v1/upgrade, live. Batches that arrive while a fetch is in flight are replayed onto
// its answer when they are newer than the event id it was taken at.
export function useRollingChange(): RollingChange | null {
  const { epoch } = useStore();
  const [change, setChange] = useState<RollingChange | null>(null);
  const current = useRef<RollingChange | null>(null);
  const fetching = useRef(false);
  const again = useRef(false);
  const recent = useRef<{ id: number; events: ServerEvent[] }[]>([]);

  useEffect(() => {
    let alive = true;
    const fetchNow = async () => {
      if (fetching.current) {
        again.current = true;
        return;
      }
      fetching.current = true;
      recent.current = [];
      try {
        const fresh = await api.upgrade();
        for (const batch of recent.current) {
          if (batch.id > fresh.event_id && !applyEvents(fresh, batch.events)) again.current = true;
        }
        if (alive) {
          current.current = fresh;
          setChange({ ...fresh });
        }
      } catch {
        // The status banner reports an unreachable server; the next event refetches.
      } finally {
        fetching.current = false;
        recent.current = [];
        if (again.current && alive) {
          again.current = false;
          void fetchNow();
        }
      }
    };
    void fetchNow();
    const off = onServerEvents((events, id) => {
      if (!events.some(concernsTheChange)) return;
      if (fetching.current) recent.current.push({ id, events });
      const held = current.current;
      if (!held) return;
      if (id && id <= held.event_id) return; // already in the snapshot
      // Applied at once (a host's states show in order), then refetched when the batch needs it.
      const applied = applyEvents(held, events);
      setChange({ ...held });
      if (!applied) void fetchNow();
    });
    return () => {
      alive = false;
      off();
    };
  }, [epoch]);
  return change;
}

// Whether some host of the config runs a bundle (its deploy succeeded): only then can a rolling
// change have work (hosts never installed are not part of one).
export function installed(status: Status | null) {
  const roles = status?.stages.deploy?.roles ?? {};
  return Object.values(roles).some((c) => (c?.succeeded ?? 0) > 0);
}

// GET /api/v1/plan for `action`, refetched when the config changes or a run ends; null while
// loading, while a run goes, before anything is installed, or when the config is missing or
// invalid (asked first: the plan would be an error response then).
export function usePlan(action: 'upgrade' | 'rollback', running: boolean): Plan | null {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(
    () =>
      onServerEvents((events) => {
        if (events.some((e) => e.type === 'config_changed' || e.type === 'run_finished')) setTick((n) => n + 1);
      }),
    [],
  );
  useEffect(() => {
    if (running) {
      setPlan(null);
      return;
    }
    let alive = true;
    (async () => {
      try {
        // Every run starts by re-reading the config (config_changed): no plan while one goes (409).
        await refreshStatus();
        const status = getState().status;
        if (!alive || !status || status.running) return;
        if (!installed(status) || !(await api.config()).valid) {
          if (alive) setPlan(null);
          return;
        }
        const p = await api.plan(action);
        if (alive) setPlan(p);
      } catch {
        if (alive) setPlan(null);
      }
    })();
    return () => {
      alive = false;
    };
  }, [action, running, tick]);
  return plan;
}
