// Inline SVG icons: they render the same everywhere (no icon font), and each status is always an
// icon *and* a word, never colour alone.

import type { JSX } from 'preact';

type IconName =
  | 'check' | 'cross' | 'running' | 'pending' | 'skip' | 'cancel' | 'warn' | 'lock' | 'download'
  | 'chevron' | 'retry' | 'play' | 'stop' | 'log' | 'search' | 'key' | 'info' | 'upgrade';

const paths: Record<IconName, JSX.Element> = {
  check: <path d="M3.5 8.5l3 3 6-7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />,
  cross: <path d="M4.5 4.5l7 7m0-7l-7 7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />,
  running: (
    <g fill="none" stroke="currentColor" stroke-width="2">
      <circle cx="8" cy="8" r="5.5" opacity="0.25" />
      <path d="M8 2.5a5.5 5.5 0 0 1 5.5 5.5" stroke-linecap="round" class="spin" />
    </g>
  ),
  pending: <circle cx="8" cy="8" r="5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-dasharray="2.2 2" />,
  skip: <path d="M3 8h8m-3-3.5L11.5 8 8 11.5M13 4v8" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />,
  cancel: (
    <g fill="none" stroke="currentColor" stroke-width="1.8">
      <circle cx="8" cy="8" r="5.5" />
      <path d="M4.2 11.8l7.6-7.6" />
    </g>
  ),
  warn: (
    <g fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round">
      <path d="M8 2l6.5 11.5h-13z" />
      <path d="M8 6.5v3.2M8 11.6v.2" stroke-linecap="round" stroke-width="1.8" />
    </g>
  ),
  lock: (
    <g fill="none" stroke="currentColor" stroke-width="1.6">
      <rect x="3" y="7" width="10" height="7" rx="1.5" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" />
    </g>
  ),
  download: <path d="M8 2.5v8m-3.5-3.5L8 10.5 11.5 7M3 13.5h10" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />,
  chevron: <path d="M6 4l4 4-4 4" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />,
  retry: <path d="M12.5 6.5A5 5 0 1 0 13 9.5M12.5 2.5v4h-4" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />,
  play: <path d="M5 3.5v9l7-4.5z" fill="currentColor" />,
  stop: <rect x="4" y="4" width="8" height="8" rx="1" fill="currentColor" />,
  upgrade: <path d="M8 13V3.5M4 7.5l4-4 4 4M3.5 13.5h9" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />,
  log: <path d="M3.5 3.5h9M3.5 6.5h9M3.5 9.5h9M3.5 12.5h5" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />,
  search: (
    <g fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round">
      <circle cx="7" cy="7" r="4" />
      <path d="M10 10l3.5 3.5" />
    </g>
  ),
  key: (
    <g fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round">
      <circle cx="5.5" cy="8" r="3" />
      <path d="M8.5 8H14m-2 0v2.5" />
    </g>
  ),
  info: (
    <g fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round">
      <circle cx="8" cy="8" r="6" />
      <path d="M8 7.2V11M8 5v.2" stroke-width="1.8" />
    </g>
  ),
};

export function Icon({ name, size = 16, class: cls }: { name: IconName; size?: number; class?: string }) {
  return (
    <svg class={`icon ${cls ?? ''}`} width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      {paths[name]}
    </svg>
  );
}

export const STATE_META: Record<string, { icon: IconName; label: string; tone: string }> = {
  succeeded: { icon: 'check', label: 'Done', tone: 'ok' },
  failed: { icon: 'cross', label: 'Failed', tone: 'bad' },
  running: { icon: 'running', label: 'Running', tone: 'run' },
  pending: { icon: 'pending', label: 'Pending', tone: 'idle' },
  skipped: { icon: 'skip', label: 'Up to date', tone: 'ok' },
  cancelled: { icon: 'cancel', label: 'Cancelled', tone: 'warn' },
  interrupted: { icon: 'cancel', label: 'Interrupted', tone: 'warn' },
  not_started: { icon: 'pending', label: 'Not started', tone: 'idle' },
};

export function stateMeta(state: string) {
  return STATE_META[state] ?? { icon: 'pending' as IconName, label: state || 'Unknown', tone: 'idle' };
}

// A status as icon + word, e.g. [✓ Done]. `label` overrides the word.
export function StateBadge({ state, label }: { state: string; label?: string }) {
  const meta = stateMeta(state);
  return (
    <span class={`badge tone-${meta.tone}`} data-state={state}>
      <Icon name={meta.icon} size={14} />
      <span>{label ?? meta.label}</span>
    </span>
  );
}

export type { IconName };
