// The host table of a stage: server-side filtered and paged (GET /api/v1/hosts), virtualized
// (only the rows in view, plus a few, are in the DOM), so 10,000+ hosts scroll smoothly. Live
// host events patch loaded rows at once; the visible pages are refetched at most once a second
// so the order (failed first) follows. One host at a time can be expanded to its error and the
// output of its steps.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type HostRow, type StageName } from '../api';
import { onServerEvents, useStore } from '../store';
import { Icon, StateBadge } from './icons';
import { ROLE_LABEL } from './RoleBars';
import { StepLogs } from './StepLogs';

const ROW = 40; // px, fixed row height
const DETAIL = 340; // px, the expanded host's detail panel
const PAGE = 100;
const OVERSCAN = 8;

interface Props {
  stage: StageName;
  // Extra column: the host's last output line (deploy, postflight) or its current step only.
  showLastLine?: boolean;
  height?: number;
  onOpenLog?: (host: string) => void;
  // Only the failed hosts with this cause key (the "Failures by cause" panel's choice).
  cause?: string;
}

interface Filters {
  role: string;
  state: string;
  q: string;
}

export function HostTable({ stage, showLastLine = true, height = 440, onOpenLog, cause }: Props) {
  const { epoch } = useStore();
  const [filters, setFilters] = useState<Filters>({ role: '', state: '', q: '' });
  const [search, setSearch] = useState('');
  const [total, setTotal] = useState<number | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [expanded, setExpanded] = useState<string | null>(null);
  const [, setVersion] = useState(0);
  const [loadError, setLoadError] = useState('');

  const pages = useRef(new Map<number, HostRow[]>());
  const inflight = useRef(new Map<number, AbortController>());
  const generation = useRef(0);
  const stale = useRef(false);
  const viewport = useRef<HTMLDivElement>(null);
  const refetchTimer = useRef<number | undefined>(undefined);

  const bump = () => setVersion((v) => v + 1);

  // Debounced text search.
  useEffect(() => {
    const t = window.setTimeout(() => setFilters((f) => (f.q === search ? f : { ...f, q: search })), 100);
    return () => window.clearTimeout(t);
  }, [search]);

  const rowAt = (i: number): HostRow | undefined => pages.current.get(Math.floor(i / PAGE))?.[i % PAGE];

  // Index of the expanded host among the loaded rows, -1 when not loaded/none.
  let expandedIndex = -1;
  if (expanded !== null) {
    for (const [p, rows] of pages.current) {
      const j = rows.findIndex((r) => r.host === expanded);
      if (j >= 0) {
        expandedIndex = p * PAGE + j;
        break;
      }
    }
  }
  const extra = expandedIndex >= 0 ? DETAIL : 0;
  const count = total ?? 0;
  const top = (i: number) => i * ROW + (expandedIndex >= 0 && i > expandedIndex ? DETAIL : 0);
  const indexAt = (y: number) => {
    if (expandedIndex >= 0 && y >= (expandedIndex + 1) * ROW) {
      if (y < (expandedIndex + 1) * ROW + DETAIL) return expandedIndex;
      return Math.floor((y - DETAIL) / ROW);
    }
    return Math.floor(y / ROW);
  };
  const first = Math.max(0, indexAt(scrollTop) - OVERSCAN);
  const last = Math.min(count - 1, indexAt(scrollTop + height) + OVERSCAN);

  const fetchPage = useCallback(
    async (page: number, gen: number, force = false) => {
      if (inflight.current.has(page) || (!force && pages.current.has(page))) return;
      const abort = new AbortController();
      inflight.current.set(page, abort);
      try {
        const res = await api.hosts({
          stage,
          role: filters.role || undefined,
          state: filters.state || undefined,
          q: filters.q || undefined,
          cause: cause || undefined,
          offset: page * PAGE,
          limit: PAGE,
        }, abort.signal);
        if (gen !== generation.current || abort.signal.aborted) return;
        pages.current.set(page, res.hosts);
        setTotal(res.total);
        setLoadError('');
        bump();
      } catch (e) {
        if (gen === generation.current && !abort.signal.aborted) setLoadError((e as Error).message);
      } finally {
        if (inflight.current.get(page) === abort) inflight.current.delete(page);
      }
    },
    [stage, filters, cause],
  );

  // New stage or filters (or a stream reset): start over.
  useEffect(() => {
    generation.current += 1;
    pages.current = new Map();
    inflight.current.forEach((a) => a.abort());
    inflight.current = new Map();
    setTotal(null);
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
    void fetchPage(0, generation.current);
  }, [fetchPage, epoch]);

  const renderGeneration = generation.current;
  // Load the pages in view once scrolling pauses (a fling across 10,000 rows asks for nothing on
  // the way); abandon requests for pages that left the view; drop pages far away.
  useEffect(() => {
    // A reset in this same commit made this render's range stale.
    if (total === null || renderGeneration !== generation.current) return;
    const firstPage = Math.floor(first / PAGE);
    const lastPage = Math.floor(Math.max(last, 0) / PAGE);
    for (const [p, abort] of inflight.current) {
      // Page 0 of a new filter is the bootstrap request: never abandoned.
      if (p !== 0 && (p < firstPage - 1 || p > lastPage + 1)) {
        abort.abort();
        inflight.current.delete(p);
      }
    }
    for (const p of pages.current.keys()) {
      if (p < firstPage - 3 || p > lastPage + 3) pages.current.delete(p);
    }
    const missing: number[] = [];
    for (let p = firstPage; p <= lastPage; p++) if (!pages.current.has(p)) missing.push(p);
    if (missing.length === 0) return;
    const t = window.setTimeout(() => missing.forEach((p) => void fetchPage(p, generation.current)), 40);
    return () => window.clearTimeout(t);
  }, [first, last, total, fetchPage]);

  // Live: patch rows in place, refetch the visible pages soon.
  const visibleRef = useRef({ first, last });
  visibleRef.current = { first, last };
  useEffect(() => {
    return onServerEvents((events) => {
      let touched = false;
      let relevant = false;
      for (const e of events) {
        if (e.type === 'host' && e.stage === stage) {
          relevant = true;
          for (const rows of pages.current.values()) {
            const row = rows.find((r) => r.host === e.host);
            if (row) {
              row.state = e.state;
              row.step = e.step;
              if (e.last_line !== '') row.last_line = e.last_line;
              row.error = e.error;
              touched = true;
            }
          }
        } else if (e.type === 'run_started' ||
                   ((e.type === 'stage_started' || e.type === 'stage_finished') && e.stage === stage)) {
          relevant = true;
        }
      }
      if (touched) bump();
      if (relevant) {
        stale.current = true;
        if (refetchTimer.current === undefined) {
          refetchTimer.current = window.setTimeout(() => {
            refetchTimer.current = undefined;
            if (!stale.current) return;
            stale.current = false;
            const { first: f, last: l } = visibleRef.current;
            const gen = generation.current;
            const lastPage = Math.floor(Math.max(l, 0) / PAGE);
            for (let p = Math.floor(f / PAGE); p <= lastPage; p++) void fetchPage(p, gen, true);
            if (l < 0) void fetchPage(0, gen, true);
          }, 1000);
        }
      }
    });
  }, [stage, fetchPage]);

  useEffect(() => () => window.clearTimeout(refetchTimer.current), []);

  useLayoutEffect(() => {
    const el = viewport.current;
    if (el && el.scrollTop !== scrollTop && Math.abs(el.scrollTop - scrollTop) > 1) setScrollTop(el.scrollTop);
  });

  const onScroll = (e: Event) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop);

  const rows = useMemo(() => {
    const out = [];
    for (let i = first; i <= last; i++) out.push(i);
    return out;
  }, [first, last]);

  const filtered = filters.role || filters.state || filters.q || cause;

  return (
    <div class="host-table" data-stage={stage}>
      <div class="table-tools">
        <label class="search-box">
          <Icon name="search" size={15} />
          <input
            type="search"
            placeholder="Filter hosts by address, step or output…"
            aria-label="Filter hosts"
            value={search}
            onInput={(e) => setSearch((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <select
          aria-label="Role"
          value={filters.role}
          onChange={(e) => setFilters({ ...filters, role: (e.currentTarget as HTMLSelectElement).value })}
        >
          <option value="">All roles</option>
          <option value="master">Masters</option>
          <option value="agent">Agents</option>
          <option value="public_agent">Public agents</option>
        </select>
        <select
          aria-label="State"
          value={filters.state}
          onChange={(e) => setFilters({ ...filters, state: (e.currentTarget as HTMLSelectElement).value })}
        >
          <option value="">All states</option>
          <option value="failed">Failed</option>
          <option value="running">Running</option>
          <option value="pending">Pending</option>
          <option value="succeeded">Done</option>
          <option value="skipped">Up to date</option>
          <option value="cancelled">Cancelled</option>
        </select>
        <span class="table-count" data-testid="host-count">
          {total === null ? 'Loading…' : `${total.toLocaleString('en-US')} ${total === 1 ? 'host' : 'hosts'}${filtered ? ' match' : ''}`}
        </span>
      </div>
      <div class="table-head" role="row">
        <span>Status</span>
        <span>Host</span>
        <span>Role</span>
        <span>Step</span>
        <span>{showLastLine ? 'Last output / error' : 'Error'}</span>
        <span />
      </div>
      <div class="table-body" ref={viewport} style={{ height: `${height}px` }} onScroll={onScroll} role="rowgroup">
        {loadError && <div class="table-empty tone-bad"><Icon name="warn" /> {loadError}</div>}
        {total === 0 && !loadError && (
          <div class="table-empty">{filtered ? 'No host matches the filter.' : 'No hosts in this stage yet.'}</div>
        )}
        <div class="table-spacer" style={{ height: `${count * ROW + extra}px` }}>
          {rows.map((i) => {
            const row = rowAt(i);
            if (!row) {
              return (
                <div class="table-row placeholder" key={`p${i}`} style={{ top: `${top(i)}px` }}>
                  <span class="skeleton" />
                </div>
              );
            }
            const isOpen = expanded === row.host;
            const text = row.state === 'failed' && row.error ? row.error : showLastLine ? row.last_line : row.error;
            return (
              <div key={row.host} class={`table-row-wrap${isOpen ? ' open' : ''}`} style={{ top: `${top(i)}px` }}>
                <div
                  class={`table-row state-${row.state}`}
                  role="row"
                  data-host={row.host}
                  aria-expanded={isOpen}
                  onClick={() => setExpanded(isOpen ? null : row.host)}
                >
                  <span>
                    <StateBadge state={row.state} />
                  </span>
                  <span class="mono host-cell">
                    <Icon name="chevron" size={12} class={`chev${isOpen ? ' open' : ''}`} />
                    {row.host}
                  </span>
                  <span>{ROLE_LABEL[row.role] ?? row.role}</span>
                  <span class="mono step-cell">{row.step || '—'}</span>
                  <span class={`mono last-line${row.state === 'failed' ? ' tone-bad' : ''}`} title={text}>
                    {text || ''}
                  </span>
                  <span>
                    {onOpenLog && (
                      <button
                        class="btn btn-ghost btn-small"
                        title={`Open the log of ${row.host}`}
                        onClick={(e) => {
                          e.stopPropagation();
                          onOpenLog(row.host);
                        }}
                      >
                        <Icon name="log" size={14} /> Log
                      </button>
                    )}
                  </span>
                </div>
                {isOpen && (
                  <div class="row-detail" style={{ height: `${DETAIL}px` }}>
                    {row.error && (
                      <div class="detail-error">
                        <Icon name="cross" size={14} /> <b>Error:</b> <span class="mono">{row.error}</span>
                      </div>
                    )}
                    <StepLogs host={row.host} stage={stage} compact />
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
