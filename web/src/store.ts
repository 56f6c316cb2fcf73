// App-wide state: the server's /status, the live event connection and auth. Screens subscribe
// with useStore(); host tables subscribe to raw event batches with onHostEvents().

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, onUnauthorized, type Status } from './api';
import { EventStream, type ConnectionState, type ServerEvent } from './events';

export interface AppState {
  status: Status | null;
  statusError: string;
  connection: ConnectionState;
  unauthorized: boolean;
  // Bumped on a stream reset (missed events): tables refetch everything.
  epoch: number;
}

let state: AppState = {
  status: null,
  statusError: '',
  connection: 'connecting',
  unauthorized: false,
  epoch: 0,
};

const subscribers = new Set<() => void>();
const eventListeners = new Set<(events: ServerEvent[], id: number) => void>();

function set(patch: Partial<AppState>) {
  state = { ...state, ...patch };
  subscribers.forEach((fn) => fn());
}

export function getState() {
  return state;
}

export function useStore(): AppState {
  const [, force] = useState(0);
  useEffect(() => {
    const fn = () => force((n) => n + 1);
    subscribers.add(fn);
    return () => {
      subscribers.delete(fn);
    };
  }, []);
  return state;
}

export function onServerEvents(fn: (events: ServerEvent[], id: number) => void): () => void {
  eventListeners.add(fn);
  return () => {
    eventListeners.delete(fn);
  };
}

onUnauthorized(() => {
  if (!state.unauthorized) {
    stream?.close();
    stream = null;
    set({ unauthorized: true });
  }
});

let inflight: Promise<void> | null = null;
let again = false;

// Refetches /status; concurrent calls coalesce into at most one more request.
export function refreshStatus(): Promise<void> {
  if (inflight) {
    again = true;
    return inflight;
  }
  inflight = (async () => {
    try {
      const status = await api.status();
      set({ status, statusError: '' });
    } catch (e) {
      if (e instanceof ApiError && e.status !== 401) set({ statusError: e.message });
    } finally {
      inflight = null;
      if (again) {
        again = false;
        void refreshStatus();
      }
    }
  })();
  return inflight;
}

let throttleTimer: number | undefined;
function refreshStatusSoon(delayMs: number) {
  if (throttleTimer !== undefined) return;
  throttleTimer = window.setTimeout(() => {
    throttleTimer = undefined;
    void refreshStatus();
  }, delayMs);
}

let stream: EventStream | null = null;

export async function start() {
  await refreshStatus();
  if (state.unauthorized || !state.status) {
    if (!state.unauthorized) {
      // The server did not answer; try again shortly.
      window.setTimeout(() => void start(), 2000);
    }
    return;
  }
  stream = new EventStream('/api/v1/events', {}, state.status.event_id, {
    onEvents(events, id) {
      let stageChange = false;
      for (const e of events) if (e.type !== 'host' && e.type !== 'output' && e.type !== 'host_changed') stageChange = true;
      if (stageChange) void refreshStatus();
      else refreshStatusSoon(400);
      eventListeners.forEach((fn) => fn(events, id));
    },
    onReset() {
      void refreshStatus();
      set({ epoch: state.epoch + 1 });
    },
    onConnection(connection) {
      if (connection !== state.connection) set({ connection });
    },
    async beforeReconnect() {
      await refreshStatus();
      return !state.unauthorized;
    },
  });
}
