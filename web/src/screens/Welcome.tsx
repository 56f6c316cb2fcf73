import { useEffect, useState } from 'preact/hooks';
import { api, type ConfigResponse, type Status } from '../api';
import { Icon, StateBadge } from '../components/icons';
import { navigate } from '../router';

const STEPS = [
  ['Configure', 'Name the cluster, list the masters, agents and public agents, and say how to reach them over SSH. Every value is checked as you type.'],
  ['Preflight', 'Every host is checked in parallel for its role: OS, CPU, memory, disk, free ports, clock and tools. Nothing is installed yet.'],
  ['Deploy', 'Each host receives its role bundle, checks it and switches to it atomically. Masters go first and form the quorum, then the agents, in parallel.'],
  ['Postflight', 'Health checks run until every host and the cluster as a whole are healthy, or the deadline passes.'],
] as const;

export function Welcome({ status }: { status: Status }) {
  const [config, setConfig] = useState<ConfigResponse | null>(null);
  useEffect(() => {
    api.config().then(setConfig).catch(() => setConfig(null));
  }, []);

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
            <button class="btn" onClick={() => navigate('preflight')}>
              Watch the running stage
            </button>
          )}
        </div>
      </section>
    </div>
  );
}
