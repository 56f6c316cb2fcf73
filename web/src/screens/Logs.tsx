// Logs at any time: pick a host (searchable, server-side, so 10,000 hosts are fine) and a stage,
// search the output, follow it live, download the support bundle.

import { useEffect, useState } from 'preact/hooks';
import { api, STAGE_NAMES, SUPPORT_BUNDLE_URL, type HostRow, type StageName, type Status } from '../api';
import { Icon, StateBadge } from '../components/icons';
import { ROLE_LABEL } from '../components/RoleBars';
import { StepLogs } from '../components/StepLogs';
import { navigate } from '../router';

const STAGES: readonly StageName[] = STAGE_NAMES;

function pickerStage(status: Status, chosen: string): StageName {
  if (chosen) return chosen as StageName;
  let best: StageName = 'preflight';
  let most = -1;
  for (const s of STAGES) {
    let n = 0;
    for (const c of Object.values(status.stages[s]?.roles ?? {})) n += c?.total ?? 0;
    if (n > most) {
      most = n;
      best = s;
    }
  }
  return best;
}

export function Logs({ status, params }: { status: Status; params: URLSearchParams }) {
  const host = params.get('host') ?? '';
  const stage = params.get('stage') ?? '';
  const [q, setQ] = useState('');
  const [hosts, setHosts] = useState<HostRow[]>([]);
  const [total, setTotal] = useState(0);
  const [search, setSearch] = useState('');
  const [tail, setTail] = useState(true);

  const select = (h: string, s: string) => {
    const p: Record<string, string> = {};
    if (h) p.host = h;
    if (s) p.stage = s;
    navigate('logs', p);
  };

  const listStage = pickerStage(status, stage === 'cluster-check' ? '' : stage);
  useEffect(() => {
    const t = window.setTimeout(() => {
      api
        .hosts({ stage: listStage, q: q || undefined, offset: 0, limit: 60 })
        .then((r) => {
          setHosts(r.hosts);
          setTotal(r.total);
        })
        .catch(() => setHosts([]));
    }, 150);
    return () => window.clearTimeout(t);
  }, [q, listStage, status.event_id]);

  return (
    <div class="screen" data-screen="logs">
      <div class="screen-head">
        <div>
          <h1>Logs</h1>
          <p class="lead">Every command's output, per host and stage, kept for the whole install.</p>
        </div>
        <a class="btn" href={SUPPORT_BUNDLE_URL} download data-testid="download-support-bundle">
          <Icon name="download" size={15} /> Download support bundle
        </a>
      </div>
      <div class="logs-layout">
        <aside class="card host-picker">
          <label class="search-box">
            <Icon name="search" size={15} />
            <input
              type="search"
              placeholder="Find a host…"
              aria-label="Find a host"
              value={q}
              onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <p class="muted picker-count">
            {total.toLocaleString('en-US')} {total === 1 ? 'host' : 'hosts'} in {listStage}
            {total > hosts.length ? `, first ${hosts.length} shown` : ''}
          </p>
          <ul class="picker-list">
            {hosts.map((h) => (
              <li key={h.host}>
                <button
                  class={`picker-item${h.host === host ? ' active' : ''}`}
                  onClick={() => select(h.host, stage)}
                  data-host={h.host}
                >
                  <StateBadge state={h.state} label="" />
                  <span class="mono">{h.host}</span>
                  <span class="muted">{ROLE_LABEL[h.role] ?? h.role}</span>
                </button>
              </li>
            ))}
            {hosts.length === 0 && <li class="muted">No host found.</li>}
          </ul>
        </aside>
        <section class="card log-panel">
          <div class="log-tools">
            <select aria-label="Stage" value={stage} onChange={(e) => select(host, (e.currentTarget as HTMLSelectElement).value)}>
              <option value="">All stages</option>
              {STAGES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
            <label class="search-box grow">
              <Icon name="search" size={15} />
              <input
                type="search"
                placeholder="Search the output…"
                aria-label="Search the output"
                value={search}
                onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <label class="checkbox">
              <input type="checkbox" checked={tail} onChange={(e) => setTail((e.currentTarget as HTMLInputElement).checked)} />
              Live tail
            </label>
          </div>
          {host ? (
            <>
              <h2 class="mono log-host" data-testid="log-host">
                {host}
              </h2>
              <StepLogs host={host} stage={stage} search={search} tail={tail} />
            </>
          ) : (
            <p class="muted empty-log">Pick a host on the left to see its log.</p>
          )}
        </section>
      </div>
    </div>
  );
}
