// "Failures by cause" above a stage's host table (GET /api/v1/failures): one row per cause,
// largest first, with its count and example hosts. Clicking a cause filters the host table to
// its hosts (again: the filter goes); "Retry these hosts" retries that cause's hosts only.

import { useEffect, useState } from 'preact/hooks';
import { failuresApi, type FailuresResponse, type StageStatus } from '../api';
import { Icon } from './icons';
import { useStore } from '../store';

interface Props {
  stage: string;
  status: StageStatus | undefined;
  selected: string;
  onSelect: (cause: string) => void;
  // Starts the retry of one cause; undefined while a run goes (the button is disabled).
  onRetry?: (cause: string) => void;
}

// What changes the groups: the stage's state and failed counts (a refetch when they move).
function version(status: StageStatus | undefined) {
  const failed = Object.values(status?.roles ?? {}).map((c) => `${c?.failed ?? 0}/${c?.interrupted ?? 0}`);
  return `${status?.state ?? ''}|${status?.summary ?? ''}|${failed.join(',')}`;
}

export function FailureCauses({ stage, status, selected, onSelect, onRetry }: Props) {
  const { epoch } = useStore();
  const [groups, setGroups] = useState<FailuresResponse | null>(null);
  const [error, setError] = useState('');
  const key = version(status);

  useEffect(() => {
    let live = true;
    failuresApi
      .failures(stage)
      .then((g) => {
        if (!live) return;
        setGroups(g);
        setError('');
      })
      .catch((e) => live && setError((e as Error).message));
    return () => {
      live = false;
    };
  }, [stage, key, epoch]);

  // A chosen cause that no host has any more (fixed and retried) is dropped.
  useEffect(() => {
    if (selected && groups && !groups.causes.some((g) => g.cause === selected)) onSelect('');
  }, [groups, selected]);

  if (error) return <div class="notice tone-bad">{error}</div>;
  if (!groups || groups.total === 0) return null;
  return (
    <section class="card failure-causes" data-testid="failure-causes">
      <h2>
        Failures by cause{' '}
        <span class="muted">
          {groups.total.toLocaleString('en-US')} {groups.total === 1 ? 'host' : 'hosts'}, {groups.causes.length + groups.more_causes}{' '}
          {groups.causes.length + groups.more_causes === 1 ? 'cause' : 'causes'}
        </span>
      </h2>
      <ul class="cause-list">
        {groups.causes.map((g) => {
          const active = g.cause === selected;
          return (
            <li key={g.cause} class={`cause${active ? ' active' : ''}`}>
              <button
                class="cause-pick"
                onClick={() => onSelect(active ? '' : g.cause)}
                aria-pressed={active}
                data-testid="failure-cause"
                data-cause={g.cause}
                data-count={g.count}
                title={active ? 'Show every host again' : 'Show only these hosts'}
              >
                <b class="cause-count">{g.count.toLocaleString('en-US')}</b>
                <span class="cause-text mono">{g.cause}</span>
                <span class="cause-hosts muted mono">
                  {g.hosts.join(', ')}
                  {g.count > g.hosts.length ? ` and ${(g.count - g.hosts.length).toLocaleString('en-US')} more` : ''}
                </span>
              </button>
              {active && (
                <button
                  class="btn btn-small"
                  disabled={!onRetry}
                  onClick={() => onRetry?.(g.cause)}
                  data-testid="retry-cause"
                >
                  <Icon name="retry" size={13} /> Retry these hosts
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {groups.more_causes > 0 && <p class="muted">… and {groups.more_causes} more causes (dcinstall status --stage {stage})</p>}
    </section>
  );
}
