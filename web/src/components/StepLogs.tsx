// The recorded steps of one host (GET /api/v1/logs): command, exit code, error and output. With
// `tail`, a dedicated event stream (?host=) appends output chunks as they arrive.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type LogStep } from '../api';
import { EventStream, type OutputEvent } from '../events';
import { onServerEvents } from '../store';
import { Icon, StateBadge } from './icons';

interface Props {
  host: string;
  stage?: string; // '' or undefined: every stage
  compact?: boolean;
  search?: string;
  tail?: boolean;
}

function stepState(s: LogStep): string {
  if (s.finished_ms === null || s.finished_ms === undefined || s.finished_ms === 0) return 'running';
  if (s.error || (s.exit_code !== null && s.exit_code !== 0)) return 'failed';
  return 'succeeded';
}

function formatTime(ms: number) {
  if (!ms) return '';
  const d = new Date(ms);
  return d.toLocaleTimeString('en-GB', { hour12: false });
}

function duration(s: LogStep) {
  if (!s.started_ms || !s.finished_ms) return '';
  const sec = (s.finished_ms - s.started_ms) / 1000;
  return sec < 10 ? `${sec.toFixed(1)} s` : `${Math.round(sec)} s`;
}

function Highlighted({ text, search }: { text: string; search: string }) {
  if (!search) return <>{text}</>;
  const lines = text.split('\n');
  const needle = search.toLowerCase();
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const at = line.toLowerCase().indexOf(needle);
    if (at < 0) continue;
    out.push(
      <span class="match-line" key={i}>
        <span class="line-no">{i + 1}</span>
        {line.slice(0, at)}
        <mark>{line.slice(at, at + search.length)}</mark>
        {line.slice(at + search.length)}
        {'\n'}
      </span>,
    );
  }
  if (out.length === 0) return <span class="muted">No line matches “{search}”.</span>;
  return <>{out}</>;
}

export function StepLogs({ host, stage, compact = false, search = '', tail = false }: Props) {
  const [steps, setSteps] = useState<LogStep[] | null>(null);
  const [error, setError] = useState('');
  const [tailState, setTailState] = useState<'off' | 'connecting' | 'live' | 'reconnecting'>('off');
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const timer = useRef<number | undefined>(undefined);

  const load = () =>
    api
      .logs(host, stage || undefined)
      .then((r) => {
        setSteps(r.steps);
        setError('');
      })
      .catch((e: Error) => setError(e.message));

  useEffect(() => {
    setSteps(null);
    void load();
    // Refetch (at most once a second) when this host changes state.
    const off = onServerEvents((events) => {
      if (!events.some((e) => e.type === 'host' && e.host === host)) return;
      if (timer.current !== undefined) return;
      timer.current = window.setTimeout(() => {
        timer.current = undefined;
        void load();
      }, 1000);
    });
    return () => {
      off();
      window.clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [host, stage]);

  useEffect(() => {
    if (!tail) {
      setTailState('off');
      return;
    }
    const stream = new EventStream('/api/v1/events', { host }, null, {
      onEvents(events) {
        const chunks = events.filter(
          (e): e is OutputEvent => e.type === 'output' && e.host === host && (!stage || e.stage === stage),
        );
        if (chunks.length === 0) return;
        setSteps((old) => {
          const next = [...(old ?? [])];
          for (const c of chunks) {
            let idx = -1;
            for (let i = next.length - 1; i >= 0; i--) {
              if (next[i].stage === c.stage && next[i].step === c.step) {
                idx = i;
                break;
              }
            }
            if (idx < 0) {
              next.push({
                run_id: 0, host, stage: c.stage, step: c.step, command: '',
                started_ms: Date.now(), finished_ms: null, exit_code: null, error: '', output: '',
                output_truncated: false,
              });
              idx = next.length - 1;
            }
            next[idx] = { ...next[idx], output: next[idx].output + c.data };
          }
          return next;
        });
      },
      onReset() {
        void load();
      },
      onConnection(s) {
        setTailState(s);
      },
    });
    return () => stream.close();
  }, [host, stage, tail]);

  // Live tail: keep the log scrolled to the end while the reader is at the end.
  useEffect(() => {
    const el = scroller.current;
    if (tail && el && stick.current) el.scrollTop = el.scrollHeight;
  }, [steps, tail]);
  const onScroll = () => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
  };

  if (error) {
    return (
      <div class="notice tone-bad">
        <Icon name="warn" /> {error}
      </div>
    );
  }
  if (steps === null) return <p class="muted">Loading the log…</p>;
  if (steps.length === 0) {
    return <p class="muted">No steps recorded for {host}{stage ? ` in ${stage}` : ''} yet.</p>;
  }
  const needle = search.toLowerCase();
  const matches = (s: LogStep) => s.output.split('\n').filter((l) => l.toLowerCase().includes(needle)).length;
  const shown = search ? steps.filter((s) => matches(s) > 0) : steps;
  const matchCount = search ? shown.reduce((n, s) => n + matches(s), 0) : 0;
  return (
    <div class={`step-logs${compact ? ' compact' : ' scrolling'}`} data-host={host} ref={scroller} onScroll={onScroll}>
      {search && (
        <p class="search-summary" data-testid="search-summary">
          {matchCount} {matchCount === 1 ? 'line matches' : 'lines match'} “{search}” in {shown.length} of {steps.length} steps
        </p>
      )}
      {tail && (
        <div class={`tail-state tone-${tailState === 'live' ? 'ok' : 'run'}`}>
          <Icon name={tailState === 'live' ? 'check' : 'running'} size={13} />
          {tailState === 'live' ? 'Live tail: new output appears below' : 'Connecting the live tail…'}
        </div>
      )}
      {shown.map((s, i) => {
        const st = stepState(s);
        // Compact (inside the host table): only failing or running steps, or the last one, show output.
        const showOutput = !compact || st !== 'succeeded' || (i === shown.length - 1 && !shown.some((x) => stepState(x) !== 'succeeded'));
        return (
          <section class="step" key={`${s.run_id}-${s.stage}-${s.step}-${i}`} data-step={s.step}>
            <header class="step-head">
              <StateBadge state={st} label={st === 'running' ? 'Running' : st === 'failed' ? 'Failed' : 'OK'} />
              <span class="step-name mono">
                {!stage && <span class="muted">{s.stage} / </span>}
                {s.step}
              </span>
              {s.exit_code !== null && s.exit_code !== undefined && <span class="muted">exit {s.exit_code}</span>}
              <span class="muted">{formatTime(s.started_ms)}</span>
              <span class="muted">{duration(s)}</span>
              {s.run_id > 0 && <span class="muted">run #{s.run_id}</span>}
            </header>
            {s.command && !compact && <div class="step-command mono">$ {s.command}</div>}
            {s.error && (
              <div class="step-error tone-bad">
                <Icon name="cross" size={13} /> {s.error}
              </div>
            )}
            {showOutput && (
              <pre class="output">
                {s.output ? <Highlighted text={s.output} search={search} /> : <span class="muted">(no output)</span>}
                {s.output_truncated && <span class="muted">{'\n'}… output truncated; the support bundle has all of it.</span>}
              </pre>
            )}
          </section>
        );
      })}
    </div>
  );
}
