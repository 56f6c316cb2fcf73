// Server-Sent Events from /api/v1/events with resume. The browser's EventSource already
// reconnects and sends Last-Event-ID after a dropped connection; when it gives up (the server
// answered an error, or restarted) we open a new one ourselves with ?last_event_id= and a
// growing delay. `event: reset` means the server no longer holds the missed batches: the owner
// refetches its state.

import type { HostRow, Role, RoleCounts, StageName } from './api';

// The events of one batch (docs/http-api.md, "Live events"): a discriminated union on `type`.
// `host` is the coalesced snapshot of one host in one stage (the same fields as a /hosts row);
// the others are the orchestrator's events (docs/events.md) and the server's run events.
export interface HostEvent extends HostRow {
  type: 'host';
  stage: StageName;
}

export interface OutputEvent {
  type: 'output';
  stage: StageName;
  host: string;
  step: string;
  stream: 'stdout' | 'stderr';
  data: string;
}

export interface StageStartedEvent {
  type: 'stage_started';
  stage: StageName;
  run_id: number;
  hosts: Partial<Record<Role, number>>;
  // deploy: 'masters' | 'agents'; upgrade: 'health gate' or the wave's label ('master 2/3')
  phase: string;
}

export interface StageFinishedEvent {
  type: 'stage_finished';
  stage: StageName;
  ok: boolean;
  cancelled: boolean;
  counts: Partial<Record<Role, Omit<RoleCounts, 'pending' | 'running'>>>;
  failures: { host: string; role: Role; error: string }[];
  summary: string;
  seconds: number;
}

// A host of a rolling change: when its change begins, before each step (outcome 'changing',
// `step` the step starting), and when it ends (docs/events.md).
export interface HostChangedEvent {
  type: 'host_changed';
  stage: StageName;
  host: string;
  role: Role;
  from_bundle: string;
  to_bundle: string;
  kind: 'upgrade' | 'rollback';
  outcome: 'changing' | 'upgraded' | 'rolled-back' | 'rollback-failed' | 'failed';
  step: string;
  error: string;
}

export interface RunStartedEvent {
  type: 'run_started';
  run_id: number;
  command: string;
  started_ms: number;
}

export interface RunFinishedEvent {
  type: 'run_finished';
  run_id: number;
  outcome: string;
  ok: boolean;
  cancelled: boolean;
  // Why a rolling change stopped early (which host halted it, how to resume), else ''.
  stopped?: string;
  error: string;
}

export interface ConfigChangedEvent {
  type: 'config_changed';
}

export type ServerEvent =
  | HostEvent
  | OutputEvent
  | StageStartedEvent
  | StageFinishedEvent
  | HostChangedEvent
  | RunStartedEvent
  | RunFinishedEvent
  | ConfigChangedEvent;

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers {
  // `id`: the batch's id (ids increase), for views that hold a snapshot taken at an event id.
  onEvents: (events: ServerEvent[], id: number) => void;
  onReset: () => void;
  onConnection: (state: ConnectionState) => void;
  // Called before a manual reconnect; resolves false to stop (e.g. the API answered 401).
  beforeReconnect?: () => Promise<boolean>;
}

export class EventStream {
  private source: EventSource | null = null;
  private lastId: string;
  private retryMs = 1000;
  private timer: number | undefined;
  private closed = false;

  constructor(
    private path: string,
    private params: Record<string, string>,
    lastEventId: number | string | null,
    private handlers: StreamHandlers,
  ) {
    this.lastId = lastEventId === null ? '' : String(lastEventId);
    this.open();
  }

  close() {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.source?.close();
    this.source = null;
  }

  private open() {
    if (this.closed) return;
    const query = new URLSearchParams(this.params);
    if (this.lastId) query.set('last_event_id', this.lastId);
    const qs = query.toString();
    const source = new EventSource(qs ? `${this.path}?${qs}` : this.path, { withCredentials: true });
    this.source = source;
    this.handlers.onConnection('connecting');
    source.onopen = () => {
      this.retryMs = 1000;
      this.handlers.onConnection('live');
    };
    source.addEventListener('batch', (e) => {
      const message = e as MessageEvent<string>;
      if (message.lastEventId) this.lastId = message.lastEventId;
      try {
        const parsed = JSON.parse(message.data) as { events?: ServerEvent[] };
        if (parsed.events?.length) this.handlers.onEvents(parsed.events, Number(message.lastEventId));
      } catch {
        // A malformed batch is dropped; the next status refresh repairs the view.
      }
    });
    source.addEventListener('reset', (e) => {
      const message = e as MessageEvent<string>;
      if (message.lastEventId) this.lastId = message.lastEventId;
      this.handlers.onReset();
    });
    source.onerror = () => {
      if (this.closed) return;
      if (source.readyState === EventSource.CONNECTING) {
        this.handlers.onConnection('reconnecting');
        return;
      }
      // CLOSED: the browser gave up; retry ourselves.
      source.close();
      this.handlers.onConnection('reconnecting');
      const delay = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, 15000);
      this.timer = window.setTimeout(async () => {
        if (this.closed) return;
        const go = this.handlers.beforeReconnect ? await this.handlers.beforeReconnect() : true;
        if (go) this.open();
      }, delay);
    };
  }
}
