// The waves of a rolling change in order, each with its hosts: why each changes, its bundle from
// and to, its state (waiting, the step it is at, done, rolled back, failed) and the check that
// failed. Rolled-back and failed hosts are always listed; a long agent batch shows its first
// hosts and a count of the rest.

import { useState } from 'preact/hooks';
import type { ChangeHost, ChangeWave } from '../api';
import { failedState, hostBadge, hosts, shortBundle, waveTitle } from '../rolling';
import { StateBadge } from './icons';

const SHOWN = 8;

function waveBadge(wave: ChangeWave, live: boolean) {
  if (wave.state === 'running') return <StateBadge state="running" label="Now" />;
  if (wave.state === 'succeeded') return <StateBadge state="succeeded" />;
  if (wave.state === 'failed') return <StateBadge state="failed" label="Not all done" />;
  return <StateBadge state="pending" label={live ? 'Waiting' : 'Planned'} />;
}

function HostRow({ host }: { host: ChangeHost }) {
  const badge = hostBadge(host);
  const bad = failedState(host.state);
  return (
    <li
      class={`wave-host${bad ? ' wave-host-bad' : ''}${host.state === 'changing' ? ' wave-host-now' : ''}`}
      data-host={host.host}
      data-state={host.state}
      data-step={host.step}
    >
      <span class="mono wave-host-name">{host.host}</span>
      <span class="wave-host-reason">{host.reason || <span class="muted">—</span>}</span>
      <span class="mono wave-host-bundles muted" title={`${host.from_bundle || 'none'} → ${host.to_bundle}`}>
        {shortBundle(host.from_bundle)} → {shortBundle(host.to_bundle)}
      </span>
      <StateBadge state={badge.state} label={badge.label} />
      {host.error && (
        <p class="wave-host-error" data-testid="host-error">
          {host.state === 'rolled-back' ? 'Rolled back to its previous bundle: ' : ''}
          <span class="mono">{host.error}</span>
        </p>
      )}
    </li>
  );
}

function Wave({ wave, live }: { wave: ChangeWave; live: boolean }) {
  const [all, setAll] = useState(false);
  const important = wave.hosts.filter((h) => failedState(h.state) || h.state === 'changing');
  const rest = wave.hosts.filter((h) => !important.includes(h));
  const shown = all ? wave.hosts : [...important, ...rest.slice(0, Math.max(0, SHOWN - important.length))];
  const hidden = wave.hosts.length - shown.length;
  const count = wave.hosts.length;
  return (
    <li
      class={`wave card wave-${wave.state}`}
      data-testid="wave"
      data-label={wave.label}
      data-state={wave.state}
      aria-current={wave.state === 'running' ? 'step' : undefined}
    >
      <div class="wave-head">
        <span class="phase-no">{wave.index + 1}</span>
        <h3>{waveTitle(wave.label)}</h3>
        <span class="muted">
          {hosts(count)}
        </span>
        <span class="spacer" />
        {waveBadge(wave, live)}
      </div>
      <ul class="wave-hosts" aria-label={`Hosts of ${waveTitle(wave.label)}`}>
        {shown.map((h) => (
          <HostRow key={h.host} host={h} />
        ))}
      </ul>
      {hidden > 0 && (
        <button class="btn btn-ghost btn-small" onClick={() => setAll(true)}>
          Show {hosts(hidden)} more
        </button>
      )}
    </li>
  );
}

// `limit`: show at most that many waves, then a line saying how many more (Welcome's preview).
export function WaveList({ waves, live, label, limit }: { waves: ChangeWave[]; live: boolean; label: string; limit?: number }) {
  const shown = limit === undefined ? waves : waves.slice(0, limit);
  const more = waves.length - shown.length;
  return (
    <>
      <ol class="waves" aria-label={label} data-testid="waves">
        {shown.map((w) => (
          <Wave key={`${w.index}-${w.label}`} wave={w} live={live} />
        ))}
      </ol>
      {more > 0 && (
        <p class="muted" data-testid="more-waves">
          … and {more.toLocaleString('en-US')} more {more === 1 ? 'wave' : 'waves'} (
          {hosts(waves.slice(shown.length).reduce((n, w) => n + w.hosts.length, 0))}): see the{' '}
          <a href="#/upgrade">Upgrade screen</a>.
        </p>
      )}
    </>
  );
}
