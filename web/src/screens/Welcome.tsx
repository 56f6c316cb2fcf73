import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type ConfigResponse, type Plan, type Status } from '../api';
import { Icon, StateBadge } from '../components/icons';
import { WaveList } from '../components/WaveList';
import { hosts, planAsChange, usePlan } from '../rolling';
import { navigate } from '../router';
import { refreshStatus } from '../store';

const STEPS = [
  ['Configure', 'Name the cluster, list the masters, agents and public agents, and say how to reach them over SSH. Every value is checked as you type.'],
  ['Preflight', 'Every host is checked in parallel for its role: OS, CPU, memory, disk, free ports, clock and tools. Nothing is installed yet.'],
  ['Deploy', 'Each host receives its role bundle, checks it and switches to it atomically. Masters go first and form the quorum, then the agents, in parallel.'],
  ['Postflight', 'Health checks run until every host and the cluster as a whole are healthy, or the deadline passes.'],
] as const;

// An installed cluster whose config's bundles differ from what runs: "Upgrade N hosts" with the
// plan; and "Roll back N hosts" when the last upgrade can be taken back.
function UpgradeOffer({ upgrade, rollback, running }: { upgrade: Plan | null; rollback: Plan | null; running: boolean }) {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const n = upgrade?.hosts_changing ?? 0;
  const back = rollback?.hosts_changing ?? 0;
  if (n === 0 && back === 0) return null;
  const start = async (action: 'upgrade' | 'rollback') => {
    setBusy(true);
    setMessage('');
    try {
      await api.startRun(action);
      await refreshStatus();
      navigate('upgrade');
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card upgrade-offer" data-testid="upgrade-offer">
      <h2>{n > 0 ? 'Upgrade available' : 'Roll back the last upgrade'}</h2>
      {n > 0 ? (
        <p>
          The cluster is installed and the configuration's bundles differ from what runs on {hosts(n)}. The upgrade goes wave by wave, in this order; masters one at a time, so the
          quorum is never lost:
        </p>
      ) : (
        <p>
          {back} {back === 1 ? 'host runs' : 'hosts run'} the bundle of the last upgrade; a rollback takes{' '}
          {back === 1 ? 'it' : 'them'} back to their previous bundle, with the same rules.
        </p>
      )}
      {n > 0 && upgrade && <WaveList waves={planAsChange(upgrade).waves} live={false} label="The upgrade plan, in order" limit={6} />}
      <div class="actions">
        {n > 0 && (
          <button class="btn btn-primary" disabled={busy || running} onClick={() => start('upgrade')} data-testid="start-upgrade">
            <Icon name="play" size={13} /> Upgrade {hosts(n)}
          </button>
        )}
        {back > 0 && (
          <button class="btn" disabled={busy || running} onClick={() => start('rollback')} data-testid="start-rollback">
            <Icon name="retry" size={14} /> Roll back {hosts(back)}
          </button>
        )}
        <a class="btn btn-ghost" href="#/upgrade">
          Open the Upgrade screen
        </a>
      </div>
      {message && (
        <div class="notice tone-bad" role="alert">
          <Icon name="cross" /> {message}
        </div>
      )}
    </section>
  );
}

export function Welcome({ status }: { status: Status }) {
  const [config, setConfig] = useState<ConfigResponse | null>(null);
  useEffect(() => {
    api.config().then(setConfig).catch(() => setConfig(null));
  }, []);

  const upgradePlan = usePlan('upgrade', status.running);
  const rollbackPlan = usePlan('rollback', status.running);
  const c = status.cluster;
  const hostCount = (c?.masters?.length ?? 0) + (c?.agents?.length ?? 0) + (c?.public_agents?.length ?? 0);
  const lastRun = status.run;

  return (
    <div class="screen" data-screen="welcome">
      <h1>Install a cluster</h1>
      <p class="lead">
        dcinstall installs the platform on your machines over SSH from this one bootstrap machine. Four steps,
        each of which you can watch host by host, retry and inspect:
      </p>
      <UpgradeOffer upgrade={upgradePlan} rollback={rollbackPlan} running={status.running} />
      <ol class="welcome-steps">
        {STEPS.map(([title, text], i) => (
          <li key={title} class="card">
            <span class="welcome-no">{i + 1}</span>
            <div>
              <h3>{title}</h3>
              <p>{text}</p>
            </div>
          </li>
        ))}
      </ol>

      <section class="card summary-card" data-testid="cluster-summary">
        <h2>Current configuration</h2>
        {config === null ? (
          <p class="muted">Loading…</p>
        ) : config.exists ? (
          <>
            <dl class="facts">
              <dt>Config file</dt>
              <dd class="mono">{config.path}</dd>
              <dt>Cluster</dt>
              <dd>{c?.name || <span class="muted">not named yet</span>}</dd>
              <dt>Hosts</dt>
              <dd>
                {c?.masters?.length ?? 0} masters · {c?.agents?.length ?? 0} agents · {c?.public_agents?.length ?? 0} public
                agents ({hostCount} in all)
              </dd>
              <dt>Validation</dt>
              <dd>
                {config.valid ? (
                  <StateBadge state="succeeded" label="Valid" />
                ) : (
                  <StateBadge state="failed" label={`${config.errors.length} ${config.errors.length === 1 ? 'error' : 'errors'}`} />
                )}
              </dd>
              {lastRun && (
                <>
                  <dt>Last run</dt>
                  <dd>
                    #{lastRun.id} <span class="mono">{lastRun.command}</span> —{' '}
                    {status.running ? <StateBadge state="running" /> : lastRun.outcome || 'finished'}
                  </dd>
                </>
              )}
            </dl>
          </>
        ) : (
          <p>
            No configuration yet: <span class="mono">{config.path}</span> will be written when you save the form.
          </p>
        )}
        <div class="actions">
          <button class="btn btn-primary" onClick={() => navigate('configure')} data-testid="start-configure">
            {config?.exists ? 'Review the configuration' : 'Start configuring'} <Icon name="chevron" size={14} />
          </button>
          {status.running && (
            <button
              class="btn"
              onClick={() => navigate(status.stages.upgrade?.state === 'running' ? 'upgrade' : 'preflight')}
            >
              Watch the running stage
            </button>
          )}
        </div>
      </section>
    </div>
  );
}
