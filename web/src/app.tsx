// The shell: a header (cluster, live connection, support bundle), the steps of the install on
// the left with each stage's state, and the current screen.

import { SUPPORT_BUNDLE_URL, type Status } from './api';
import { Icon, StateBadge } from './components/icons';
import { navigate, useRoute, type ScreenName } from './router';
import { Configure } from './screens/Configure';
import { Logs } from './screens/Logs';
import { StageScreen } from './screens/StageScreen';
import { Success } from './screens/Success';
import { Unauthorized } from './screens/Unauthorized';
import { Upgrade } from './screens/Upgrade';
import { Welcome } from './screens/Welcome';
import { useStore } from './store';

const NAV: { screen: ScreenName; label: string; stage?: 'preflight' | 'deploy' | 'postflight' }[] = [
  { screen: 'welcome', label: 'Welcome' },
  { screen: 'configure', label: 'Configure' },
  { screen: 'preflight', label: 'Preflight', stage: 'preflight' },
  { screen: 'deploy', label: 'Deploy', stage: 'deploy' },
  { screen: 'postflight', label: 'Postflight', stage: 'postflight' },
  { screen: 'success', label: 'Success' },
];

// Where a fresh page (no #route) lands: the running stage, else Welcome.
function defaultScreen(status: Status | null): ScreenName {
  if (status?.running) {
    // A rolling change (upgrade, rollback, or deploy on an installed cluster) has its own screen.
    if (status.stages.upgrade?.state === 'running') return 'upgrade';
    for (const s of ['preflight', 'deploy', 'postflight', 'cluster-check'] as const) {
      if (status.stages[s]?.state === 'running') return s === 'cluster-check' ? 'postflight' : s;
    }
  }
  return 'welcome';
}

function navState(status: Status | null, item: (typeof NAV)[number]): string | null {
  if (!status) return null;
  if (item.stage) {
    const st = status.stages[item.stage]?.state;
    if (item.stage === 'postflight' && st === 'succeeded') {
      return status.stages['cluster-check']?.state ?? st;
    }
    return st ?? 'not_started';
  }
  if (item.screen === 'success') {
    return status.stages['cluster-check']?.state === 'succeeded' ? 'succeeded' : null;
  }
  return null;
}

export function App() {
  const store = useStore();
  const route = useRoute();

  if (store.unauthorized) return <Unauthorized />;

  const status = store.status;
  const screen = route.screen ?? (status ? defaultScreen(status) : null);

  return (
    <div class="shell">
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            <Icon name="log" size={16} />
          </span>
          <span class="brand-name">dcinstall</span>
          {status?.cluster?.name && (
            <span class="cluster-name">
              cluster <b>{status.cluster.name}</b>
            </span>
          )}
        </div>
        <div class="topbar-right">
          {status?.running && status.run && (
            <span class="run-pill" data-testid="run-pill">
              <Icon name="running" size={14} /> Running: {status.run.command}
            </span>
          )}
          <span class={`conn conn-${store.connection}`} data-testid="connection">
            <Icon name={store.connection === 'live' ? 'check' : 'running'} size={13} />
            {store.connection === 'live' ? 'Live' : store.connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          </span>
          <a class="btn btn-ghost btn-small" href={SUPPORT_BUNDLE_URL} download data-testid="support-bundle-top">
            <Icon name="download" size={14} /> Support bundle
          </a>
        </div>
      </header>
      <nav class="sidebar" aria-label="Install steps">
        <ol class="steps">
          {NAV.map((item, i) => {
            const st = navState(status, item);
            return (
              <li key={item.screen}>
                <a
                  href={`#/${item.screen}`}
                  class={`step-link${screen === item.screen ? ' active' : ''}`}
                  aria-current={screen === item.screen ? 'page' : undefined}
                >
                  <span class="step-no">{i + 1}</span>
                  <span class="step-label">{item.label}</span>
                  {st && st !== 'not_started' && <StateBadge state={st} label="" />}
                </a>
              </li>
            );
          })}
        </ol>
        <div class="sidebar-sep" />
        <a
          href="#/upgrade"
          class={`step-link${screen === 'upgrade' ? ' active' : ''}`}
          aria-current={screen === 'upgrade' ? 'page' : undefined}
        >
          <span class="step-no">
            <Icon name="upgrade" size={13} />
          </span>
          <span class="step-label">Upgrade</span>
          {status?.stages.upgrade?.state === 'running' && <StateBadge state="running" label="" />}
        </a>
        <a href="#/logs" class={`step-link${screen === 'logs' ? ' active' : ''}`}>
          <span class="step-no">
            <Icon name="log" size={13} />
          </span>
          <span class="step-label">Logs</span>
        </a>
      </nav>
      <main class="content">
        {store.statusError && (
          <div class="notice tone-bad" role="alert">
            <Icon name="warn" /> {store.statusError}
          </div>
        )}
        {!status && !store.statusError && <p class="muted">Loading…</p>}
        {status && screen === 'welcome' && <Welcome status={status} />}
        {status && screen === 'configure' && <Configure status={status} />}
        {status && screen === 'preflight' && <StageScreen kind="preflight" status={status} />}
        {status && screen === 'deploy' && <StageScreen kind="deploy" status={status} />}
        {status && screen === 'postflight' && <StageScreen kind="postflight" status={status} />}
        {status && screen === 'success' && <Success status={status} />}
        {status && screen === 'upgrade' && <Upgrade status={status} />}
        {status && screen === 'logs' && <Logs status={status} params={route.params} />}
      </main>
    </div>
  );
}

export { navigate };
