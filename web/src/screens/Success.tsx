import { useEffect, useState } from 'preact/hooks';
import { api, SUPPORT_BUNDLE_URL, type Status } from '../api';
import { Icon, StateBadge } from '../components/icons';
import { navigate } from '../router';

function hostOnly(h: string) {
  const at = h.lastIndexOf('@');
  const s = at >= 0 ? h.slice(at + 1) : h;
  if (s.startsWith('[')) return s.slice(1, s.indexOf(']'));
  const colon = s.indexOf(':');
  return colon >= 0 && s.indexOf(':', colon + 1) < 0 ? s.slice(0, colon) : s;
}

function plural(n: number, word: string) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// "9 hosts passed postflight (3 masters, 6 agents); the cluster check passed: ..." — the hosts of
// the cluster, not the one master the cluster check ran on.
export function installedText(status: Status) {
  const c = status.cluster;
  const masters = c?.masters?.length ?? 0;
  const agents = (c?.agents?.length ?? 0) + (c?.public_agents?.length ?? 0);
  let passed = 0;
  for (const r of Object.values(status.stages.postflight?.roles ?? {})) passed += (r?.succeeded ?? 0) + (r?.skipped ?? 0);
  const total = masters + agents;
  return `${passed === total ? `All ${plural(total, 'host')}` : `${passed} of ${plural(total, 'host')}`} passed postflight (${plural(masters, 'master')}, ${plural(agents, 'agent')}); the cluster check passed: one quorum of ${plural(masters, 'master')}, every agent registered.`;
}

export function Success({ status }: { status: Status }) {
  const [clientPort, setClientPort] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([api.config(), api.schema()])
      .then(([c, s]) => {
        const spec = s.keys.find((k) => k.key === 'etcd_client_port');
        if (spec) setClientPort(String(c.values.etcd_client_port ?? spec.default ?? '2379'));
      })
      .catch(() => undefined);
  }, []);

  const check = status.stages['cluster-check'];
  const post = status.stages.postflight;
  const ready = check?.state === 'succeeded';
  const c = status.cluster;
  const agents = post?.roles?.agent;
  const publicAgents = post?.roles?.public_agent;
  const registered = (agents?.succeeded ?? 0) + (publicAgents?.succeeded ?? 0) + (agents?.skipped ?? 0) + (publicAgents?.skipped ?? 0);
  const agentTotal = (c?.agents?.length ?? 0) + (c?.public_agents?.length ?? 0);

  if (!ready) {
    const next = status.stages.preflight?.state !== 'succeeded' ? 'preflight' : status.stages.deploy?.state !== 'succeeded' ? 'deploy' : 'postflight';
    return (
      <div class="screen" data-screen="success">
        <h1>Not ready yet</h1>
        <div class="card">
          <p>
            The cluster is ready once postflight and the cluster check pass. Cluster check:{' '}
            <StateBadge state={check?.state ?? 'not_started'} />
          </p>
          <div class="actions">
            <button class="btn btn-primary" onClick={() => navigate(next)}>
              Go to {next[0].toUpperCase() + next.slice(1)} <Icon name="chevron" size={14} />
            </button>
          </div>
        </div>
      </div>
    );
  }

  const endpoints = (c?.masters ?? []).map((m) => `http://${hostOnly(m)}:${clientPort ?? '2379'}`).join(',');
  return (
    <div class="screen" data-screen="success">
      <div class="success-hero card">
        <span class="hero-icon">
          <Icon name="check" size={34} />
        </span>
        <div>
          <h1 data-testid="success-title">Cluster {c?.name} is ready</h1>
          <p class="lead" data-testid="success-summary">{installedText(status)}</p>
        </div>
      </div>

      <div class="grid-2">
        <section class="card">
          <h2>Masters</h2>
          <p class="muted">The quorum store: {c?.masters?.length ?? 0} members, all healthy.</p>
          <ul class="host-list mono" data-testid="masters">
            {(c?.masters ?? []).map((m) => (
              <li key={m}>
                <Icon name="check" size={13} class="tone-ok" /> {m}
              </li>
            ))}
          </ul>
        </section>
        <section class="card">
          <h2>Agents registered</h2>
          <p class="big-number" data-testid="agents-registered">
            {registered} <span class="muted">of {agentTotal}</span>
          </p>
          <p class="muted">
            {c?.agents?.length ?? 0} private and {c?.public_agents?.length ?? 0} public agents, each registered with its role.
          </p>
        </section>
      </div>

      <section class="card">
        <h2>What to do next</h2>
        <ol class="next-steps">
          {clientPort && (
            <li>
              <b>Reach the cluster.</b> From any host with etcdctl:
              <pre class="mono code-block">etcdctl --endpoints {endpoints} endpoint health --cluster</pre>
            </li>
          )}
          <li>
            <b>Keep a record.</b> The support bundle holds the configuration (secrets removed), the state and every log.{' '}
            <a class="btn btn-small" href={SUPPORT_BUNDLE_URL} download data-testid="support-bundle">
              <Icon name="download" size={14} /> Download support bundle
            </a>
          </li>
          <li>
            <b>Add hosts later.</b> Add them to the host lists in <a href="#/configure">Configure</a> and deploy again: hosts
            that are already installed are skipped.
          </li>
          <li>
            <b>Look back.</b> Every command's output is kept per host and stage in <a href="#/logs">Logs</a>.
          </li>
        </ol>
      </section>
    </div>
  );
}
