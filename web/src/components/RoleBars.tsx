// One status bar per role: done (succeeded + up to date) / running / failed / total. Segments
// differ by pattern as well as colour, and the numbers are always written next to the bar.

import type { Role, RoleCounts, StageStatus } from '../api';
import { Icon } from './icons';

export const ROLE_LABEL: Record<string, string> = {
  master: 'Masters',
  agent: 'Agents',
  public_agent: 'Public agents',
};

const ROLE_ORDER: Role[] = ['master', 'agent', 'public_agent'];

function pct(n: number, total: number) {
  return total > 0 ? `${(100 * n) / total}%` : '0%';
}

export function RoleBar({ role, counts }: { role: string; counts: RoleCounts }) {
  const done = counts.succeeded + counts.skipped;
  const other = counts.cancelled;
  const total = counts.total;
  return (
    <div class="role-bar" data-role={role}>
      <div class="role-bar-head">
        <span class="role-name">{ROLE_LABEL[role] ?? role}</span>
        <span class="role-counts">
          <span class="count tone-ok" title="done">
            <Icon name="check" size={13} /> <b data-count="done">{done}</b> done
          </span>
          {counts.running > 0 && (
            <span class="count tone-run" title="running">
              <Icon name="running" size={13} /> <b data-count="running">{counts.running}</b> running
            </span>
          )}
          <span class={`count ${counts.failed > 0 ? 'tone-bad' : 'tone-muted'}`} title="failed">
            <Icon name="cross" size={13} /> <b data-count="failed">{counts.failed}</b> failed
          </span>
          {other > 0 && (
            <span class="count tone-warn" title="cancelled">
              <Icon name="cancel" size={13} /> <b>{other}</b> cancelled
            </span>
          )}
          <span class="count total">
            of <b data-count="total">{total}</b>
          </span>
        </span>
      </div>
      <div
        class="bar"
        role="progressbar"
        aria-label={`${ROLE_LABEL[role] ?? role}: ${done} of ${total} done, ${counts.failed} failed`}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
      >
        <span class="seg seg-ok" style={{ width: pct(done, total) }} />
        <span class="seg seg-bad" style={{ width: pct(counts.failed, total) }} />
        <span class="seg seg-warn" style={{ width: pct(other, total) }} />
        <span class="seg seg-run" style={{ width: pct(counts.running, total) }} />
      </div>
    </div>
  );
}

export function RoleBars({ stage }: { stage: StageStatus | undefined }) {
  const roles = ROLE_ORDER.filter((r) => (stage?.roles?.[r]?.total ?? 0) > 0);
  if (!stage || roles.length === 0) {
    return <p class="muted">No hosts have run this stage yet.</p>;
  }
  return (
    <div class="role-bars">
      {roles.map((r) => (
        <RoleBar key={r} role={r} counts={stage.roles[r]!} />
      ))}
    </div>
  );
}
