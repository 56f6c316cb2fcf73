// A rolling change (upgrade or rollback) live: the phase (health gate, which master, which batch
// of how many), every wave with its hosts and their states, rolled-back hosts with the check that
// failed, Pause (the run's cancel: hosts in flight finish their switch or rollback) and Resume (the
// upgrade again: hosts already done are skipped). Without a change this session, the plan.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, type ChangeWave, type RollingChange, type Status } from '../api';
import { Icon, StateBadge } from '../components/icons';
import { WaveList } from '../components/WaveList';
import { failedState, hostBadge, hosts, planAsChange, usePlan, useRollingChange, waveTitle } from '../rolling';
import { refreshStatus } from '../store';

function titleBadge(change: RollingChange) {
  if (change.running) return <StateBadge state="running" />;
  if (change.state === 'completed') return <StateBadge state="succeeded" label="Completed" />;
  if (change.state === 'paused') return <StateBadge state="cancelled" label="Paused" />;
  if (change.state === 'stopped') return <StateBadge state="failed" label="Stopped" />;
  return null;
}

// What runs now, as a sentence: "Master 2 of 3: 10.0.0.2:22 switching".
function Phase({ change }: { change: RollingChange }) {
  if (!change.running) return null;
  const wave: ChangeWave | undefined = change.wave === null ? undefined : change.waves[change.wave];
  let text: ComponentChildren;
  if (change.phase === 'health gate') {
    text = 'Health gate: every master must be healthy and in the quorum before anything changes.';
  } else if (wave) {
    const busy = wave.hosts.filter((h) => h.state === 'changing');
    const count = wave.hosts.length;
    text = (
      <>
        <b>{waveTitle(wave.label)}</b> ({hosts(count)})
        {busy.length > 0 && busy.length <= 3 && (
          <>
            :{' '}
            {busy.map((h, i) => (
              <span key={h.host}>
                {i > 0 && ', '}
                <span class="mono">{h.host}</span> {hostBadge(h).label.toLowerCase()}
              </span>
            ))}
          </>
        )}
        {busy.length > 3 && `: ${busy.length} hosts changing`}
      </>
    );
  } else {
    text = 'Starting…';
  }
  return (
    <div class="notice tone-run" role="status" aria-live="polite" data-testid="upgrade-phase" data-phase={change.phase}>
      <Icon name="running" />
      <span>{text}</span>
    </div>
  );
}

function Outcome({ change, left }: { change: RollingChange; left: number | null }) {
  if (change.running || !change.known) return null;
  const what = change.kind === 'rollback' ? 'rollback' : 'upgrade';
  const failed = change.waves.flatMap((w) => w.hosts).filter((h) => failedState(h.state));
  if (change.state === 'completed') {
    return (
      <div class="notice tone-ok" role="status" data-testid="upgrade-outcome" data-state="completed">
        <Icon name="check" />
        <span>
          The {what} is complete: {change.hosts_done} of {change.hosts_total}{' '}
          {change.hosts_total === 1 ? 'host runs' : 'hosts run'} the new bundle
          {failed.length > 0 && `, ${failed.length} within the agent failure budget did not`}.
        </span>
      </div>
    );
  }
  if (change.state === 'paused') {
    return (
      <div class="notice tone-warn" role="status" data-testid="upgrade-outcome" data-state="paused">
        <Icon name="cancel" />
        <div>
          <p>
            <b>Paused</b> after {change.hosts_done} of {change.hosts_total} hosts. The hosts in flight finished their
            switch or rollback; no host is left half-switched.
          </p>
          <p>
            Resume runs the {what} again and skips the hosts already done
            {left !== null && left > 0 && ` (${left} ${left === 1 ? 'host' : 'hosts'} left)`}. On the command line:{' '}
            <code>dcinstall {what}</code>.
          </p>
        </div>
      </div>
    );
  }
  return (
    <div class="notice tone-bad" role="alert" data-testid="upgrade-outcome" data-state="stopped">
      <Icon name="cross" />
      <div>
        <p>
          <b>The {what} stopped.</b> {change.summary}
        </p>
        {failed.length > 0 && (
          <ul class="failed-hosts">
            {failed.map((h) => (
              <li key={h.host} data-testid="failed-host" data-host={h.host}>
                <span class="mono">{h.host}</span> ({h.role.replace('_', ' ')}): {hostBadge(h).label.toLowerCase()}
                {h.error && (
                  <>
                    {' '}
                    — failing check: <span class="mono">{h.error}</span>
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
        <p>Fix the cause (see Logs, stage upgrade), then run the {what} again: hosts already done are skipped.</p>
      </div>
    </div>
  );
}

export function Upgrade({ status }: { status: Status }) {
  const live = useRollingChange();
  const running = status.running;
  const upgradePlan = usePlan('upgrade', running);
  const rollbackPlan = usePlan('rollback', running);
  const [busy, setBusy] = useState(false);
  const [pausing, setPausing] = useState(false);
  const [message, setMessage] = useState('');

  const change = live?.known ? live : upgradePlan && upgradePlan.hosts_changing > 0 ? planAsChange(upgradePlan) : null;
  const changeRunning = !!live?.running;
  const what = change?.kind === 'rollback' ? 'Rollback' : 'Upgrade';
  const toUpgrade = upgradePlan?.hosts_changing ?? 0;
  const toRollBack = rollbackPlan?.hosts_changing ?? 0;
  const resumable = live?.known && live.state === 'paused' && live.kind === 'upgrade';

  const start = async (action: 'upgrade' | 'rollback') => {
    setBusy(true);
    setMessage('');
    setPausing(false);
    try {
      await api.startRun(action);
      await refreshStatus();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const pause = async () => {
    setPausing(true);
    try {
      await api.cancelRun();
    } catch (e) {
      setMessage((e as Error).message);
      setPausing(false);
    }
  };

  return (
    <div class="screen" data-screen="upgrade">
      <div class="screen-head">
        <div>
          <h1>
            {what} {change && titleBadge(change)}
          </h1>
          <p class="lead">
            A rolling change never restarts two masters at once: each master is drained, switched to its new bundle and
            health-checked (back in the quorum) before the next; then the agents go in batches. A host that does not
            become healthy in time is rolled back to its previous bundle.
          </p>
        </div>
        {change && change.known && (
          <div class="countdown" data-testid="upgrade-progress">
            <span class="muted">Hosts done</span>
            <b>
              {change.hosts_done} / {change.hosts_total}
            </b>
            {change.hosts_failed > 0 && <span class="tone-bad">{change.hosts_failed} rolled back or failed</span>}
          </div>
        )}
      </div>

      {change && <Phase change={change} />}
      {pausing && changeRunning && (
        <div class="notice tone-warn" role="status" data-testid="pausing">
          <Icon name="cancel" />
          <span>Pausing: the hosts in flight finish their switch or rollback, then the {what.toLowerCase()} stops.</span>
        </div>
      )}
      {change && <Outcome change={change} left={upgradePlan?.hosts_changing ?? null} />}

      <div class="actions stage-actions">
        {changeRunning && (
          <button class="btn btn-danger" disabled={pausing} onClick={pause} data-testid="pause-upgrade">
            <Icon name="stop" size={12} /> Pause
          </button>
        )}
        {!running && toUpgrade > 0 && (
          <button class="btn btn-primary" disabled={busy} onClick={() => start('upgrade')} data-testid={resumable ? 'resume-upgrade' : 'start-upgrade'}>
            <Icon name="play" size={13} /> {resumable ? 'Resume' : 'Upgrade'} {hosts(toUpgrade)}
          </button>
        )}
        {!running && toRollBack > 0 && (
          <button class="btn" disabled={busy} onClick={() => start('rollback')} data-testid="start-rollback">
            <Icon name="retry" size={14} /> Roll back {hosts(toRollBack)}
          </button>
        )}
        {running && !changeRunning && <span class="muted">Another run is going; wait for it to end.</span>}
      </div>
      {message && (
        <div class="notice tone-bad" role="alert">
          <Icon name="cross" /> {message}
        </div>
      )}

      {change ? (
        <section class="card">
          <h2>{change.known ? 'Waves' : 'The plan'}</h2>
          <p class="muted">
            In order: each master is its own wave, then the agents and public agents in batches
            {change.known ? '' : '. Nothing runs until you start it'}.
          </p>
          <WaveList waves={change.waves} live={change.known} label={`Waves of the ${what.toLowerCase()}, in order`} />
        </section>
      ) : (
        <section class="card" data-testid="nothing-to-upgrade">
          <h2>Nothing to upgrade</h2>
          <p class="muted">
            {upgradePlan
              ? 'Every installed host runs the bundle of the current configuration. Change the configuration (or choose a newer distribution) and come back: the hosts whose bundle differs are listed here.'
              : 'There is no installed cluster with a valid configuration yet.'}
          </p>
        </section>
      )}
    </div>
  );
}
