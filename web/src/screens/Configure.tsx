// The configuration form, generated from GET /api/v1/schema: a distribution's new parameters
// appear without front-end changes. Each edit is validated (debounced) by the server, and its
// errors are shown beside the field whose key they name; errors that name no field are listed
// above the form.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, type ConfigResponse, type ConfigValue, type Diagnostic, type SchemaKey, type Status } from '../api';
import { Icon, StateBadge } from '../components/icons';
import { navigate } from '../router';
import { refreshStatus } from '../store';

const GROUPS: { id: string; title: string; text: string }[] = [
  { id: 'hosts', title: 'Hosts', text: 'One host per line, as [user@]address[:port].' },
  { id: 'ssh', title: 'SSH', text: 'How dcinstall logs in to every host.' },
  { id: 'cluster', title: 'Cluster', text: 'Names, limits and timeouts of the installation.' },
  { id: 'distribution', title: 'Distribution', text: "The distribution's own parameters." },
];

const isList = (k: SchemaKey) => k.type === 'host_list' || k.type === 'string_list';

function toText(v: ConfigValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join('\n');
  return String(v);
}

// The form's text → the JSON values the API takes. Empty fields are left out (the default
// applies); text that does not parse is sent as it is, so the server names the problem.
function toValues(schema: SchemaKey[], text: Record<string, string>, secrets: Record<string, string>) {
  const values: Record<string, ConfigValue> = {};
  for (const k of schema) {
    if (k.secret) {
      if (secrets[k.key]) values[k.key] = secrets[k.key];
      continue;
    }
    const raw = text[k.key] ?? '';
    if (isList(k)) {
      const items = raw.split('\n').map((s) => s.trim()).filter(Boolean);
      if (items.length) values[k.key] = items;
      continue;
    }
    const t = raw.trim();
    if (!t) continue;
    if (k.type === 'integer' && /^-?\d+$/.test(t)) values[k.key] = Number(t);
    else if (k.type === 'number' && /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) values[k.key] = Number(t);
    else if (k.type === 'boolean' && (t === 'true' || t === 'false')) values[k.key] = t === 'true';
    else values[k.key] = t;
  }
  return values;
}

interface FieldProps {
  spec: SchemaKey;
  value: string;
  secretState?: string;
  secretValue?: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  onChange: (v: string) => void;
  onSecret: (v: string) => void;
  extra?: preact.ComponentChildren;
}

function Field({ spec, value, secretState, secretValue, errors, warnings, onChange, onSecret, extra }: FieldProps) {
  const id = `f-${spec.key}`;
  const invalid = errors.length > 0;
  const describedBy = `${id}-doc${invalid ? ` ${id}-err` : ''}`;
  const hint: string[] = [];
  if (spec.default !== null && spec.default !== undefined && spec.default !== '') hint.push(`default ${spec.default}`);
  if (spec.min !== null && spec.min !== undefined && spec.max !== null && spec.max !== undefined) hint.push(`${spec.min}–${spec.max}`);
  if (spec.pattern_doc) hint.push(spec.pattern_doc);
  const common = {
    id,
    name: spec.key,
    'aria-invalid': invalid,
    'aria-describedby': describedBy,
    'data-key': spec.key,
  };
  let input;
  if (spec.secret) {
    input = (
      <div class="secret-row">
        <StateBadge state={secretState === 'set' ? 'succeeded' : 'pending'} label={secretState === 'set' ? 'Set' : 'Not set'} />
        <input
          {...common}
          type="password"
          autocomplete="new-password"
          placeholder={secretState === 'set' ? 'Type to replace the current value' : 'Type a value'}
          value={secretValue ?? ''}
          onInput={(e) => onSecret((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
    );
  } else if (isList(spec)) {
    const lines = value.split('\n').filter((s) => s.trim()).length;
    input = (
      <>
        <textarea
          {...common}
          rows={Math.min(8, Math.max(3, value.split('\n').length + 1))}
          spellcheck={false}
          placeholder={spec.type === 'host_list' ? 'One host per line, e.g. 10.0.0.7 or ops@10.0.0.8:2222' : 'One value per line'}
          value={value}
          onInput={(e) => onChange((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <span class="field-meta">{lines} {lines === 1 ? 'entry' : 'entries'}</span>
      </>
    );
  } else if (spec.choices?.length) {
    input = (
      <select {...common} value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{spec.default ? `Default (${spec.default})` : '— not set —'}</option>
        {spec.choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    );
  } else if (spec.type === 'boolean') {
    input = (
      <select {...common} value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{spec.default ? `Default (${spec.default})` : 'Default'}</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  } else {
    input = (
      <input
        {...common}
        type="text"
        inputMode={spec.type === 'integer' || spec.type === 'number' ? 'decimal' : undefined}
        spellcheck={false}
        placeholder={spec.default ?? ''}
        value={value}
        onInput={(e) => onChange((e.currentTarget as HTMLInputElement).value)}
      />
    );
  }
  return (
    <div class={`field${invalid ? ' invalid' : ''}${isList(spec) ? ' wide' : ''}`} data-field={spec.key}>
      <label for={id} class="field-label">
        <span class="mono">{spec.key}</span>
        {spec.required && <span class="req">required</span>}
        {spec.source && spec.source !== 'dcinstall' && <span class="src">{spec.source}</span>}
      </label>
      <p class="field-doc" id={`${id}-doc`}>
        {spec.doc}
        {hint.length > 0 && <span class="muted"> ({hint.join('; ')})</span>}
      </p>
      {input}
      {extra}
      {invalid && (
        <div class="field-errors" id={`${id}-err`} role="alert" data-testid={`error-${spec.key}`}>
          {errors.map((e, i) => (
            <p key={i} class="field-error">
              <Icon name="cross" size={13} /> {e.message}
            </p>
          ))}
        </div>
      )}
      {warnings.map((w, i) => (
        <p key={i} class="field-warning">
          <Icon name="warn" size={13} /> {w.message}
        </p>
      ))}
    </div>
  );
}

function KeyUpload({ onUploaded }: { onUploaded: (path: string) => void }) {
  const [state, setState] = useState<{ kind: 'idle' | 'busy' | 'ok' | 'err'; text: string }>({ kind: 'idle', text: '' });
  const onFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    setState({ kind: 'busy', text: `Uploading ${file.name}…` });
    try {
      const text = await file.text();
      const res = await api.uploadKey(text);
      onUploaded(res.ssh_key_path);
      setState({ kind: 'ok', text: `Stored as ${res.ssh_key_path} (${res.fingerprint})` });
    } catch (err) {
      setState({ kind: 'err', text: (err as Error).message });
    }
    (e.currentTarget as HTMLInputElement | null)?.value && ((e.currentTarget as HTMLInputElement).value = '');
  };
  return (
    <div class="key-upload">
      <label class="btn btn-small">
        <Icon name="key" size={14} /> Upload a private key…
        <input type="file" class="visually-hidden" data-testid="ssh-key-file" onChange={onFile} />
      </label>
      {state.kind !== 'idle' && (
        <span class={`upload-state tone-${state.kind === 'ok' ? 'ok' : state.kind === 'err' ? 'bad' : 'run'}`} data-testid="ssh-key-state">
          <Icon name={state.kind === 'ok' ? 'check' : state.kind === 'err' ? 'cross' : 'running'} size={13} /> {state.text}
        </span>
      )}
      <p class="field-meta">The key is kept on this machine (mode 0600) and is never sent back to the browser.</p>
    </div>
  );
}

export function Configure({ status }: { status: Status }) {
  const [schema, setSchema] = useState<SchemaKey[] | null>(null);
  const [config, setConfig] = useState<ConfigResponse | null>(null);
  const [text, setText] = useState<Record<string, string>>({});
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ valid: boolean; errors: Diagnostic[]; warnings: Diagnostic[] } | null>(null);
  const [checking, setChecking] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [message, setMessage] = useState<{ tone: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // A new config starts empty: its "required" errors show once a field was edited or a save
  // was tried, not before the user typed anything.
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [loadError, setLoadError] = useState('');
  const seq = useRef(0);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    Promise.all([api.schema(), api.config()])
      .then(([s, c]) => {
        setSchema(s.keys);
        setConfig(c);
        const t: Record<string, string> = {};
        for (const k of s.keys) t[k.key] = toText(c.values[k.key]);
        setText(t);
        setResult({ valid: c.valid, errors: c.errors, warnings: c.warnings });
      })
      .catch((e: Error) => setLoadError(e.message));
    return () => window.clearTimeout(timer.current);
  }, []);

  const values = useMemo(() => (schema ? toValues(schema, text, secrets) : {}), [schema, text, secrets]);

  const validateSoon = () => {
    window.clearTimeout(timer.current);
    setChecking(true);
    timer.current = window.setTimeout(async () => {
      const mine = ++seq.current;
      try {
        const r = await api.validate(toValuesRef.current());
        if (mine === seq.current) setResult(r);
      } catch (e) {
        if (mine === seq.current) setMessage({ tone: 'bad', text: (e as Error).message });
      } finally {
        if (mine === seq.current) setChecking(false);
      }
    }, 350);
  };
  const toValuesRef = useRef(() => values);
  toValuesRef.current = () => values;

  // Validate after every edit (the effect runs once the new values are computed).
  const edits = useRef(0);
  useEffect(() => {
    if (edits.current > 0) validateSoon();
  }, [values]);

  const touch = (key: string) => setTouched((t) => (t.has(key) ? t : new Set(t).add(key)));
  const change = (key: string, v: string) => {
    touch(key);
    edits.current += 1;
    setDirty(true);
    setMessage(null);
    setText((t) => ({ ...t, [key]: v }));
  };
  const changeSecret = (key: string, v: string) => {
    touch(key);
    edits.current += 1;
    setDirty(true);
    setMessage(null);
    setSecrets((s) => ({ ...s, [key]: v }));
  };

  const save = async (): Promise<boolean> => {
    setShowAll(true);
    setBusy(true);
    setMessage(null);
    try {
      // Validate first: an invalid config is never sent to PUT (nothing would be written).
      const check = await api.validate(values);
      setResult(check);
      if (!check.valid) {
        setMessage({ tone: 'bad', text: 'Not saved: fix the errors marked below first.' });
        return false;
      }
      const c = await api.saveConfig(values);
      setConfig(c);
      setResult({ valid: c.valid, errors: c.errors ?? [], warnings: c.warnings ?? [] });
      setSecrets({});
      setDirty(false);
      setMessage({ tone: 'ok', text: `Saved to ${c.path}.` });
      void refreshStatus();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const body = e.body as { errors?: Diagnostic[] } | null;
        setResult({ valid: false, errors: body?.errors ?? [], warnings: [] });
      }
      setMessage({ tone: 'bad', text: (e as Error).message });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const runPreflight = async () => {
    if (dirty && !(await save())) return;
    setBusy(true);
    try {
      await api.startRun('preflight');
      await refreshStatus();
      navigate('preflight');
    } catch (e) {
      setMessage({ tone: 'bad', text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  if (loadError) {
    return (
      <div class="screen">
        <h1>Configure</h1>
        <div class="notice tone-bad">
          <Icon name="warn" /> {loadError}
        </div>
      </div>
    );
  }
  if (!schema || !config || !result) {
    return (
      <div class="screen">
        <h1>Configure</h1>
        <p class="muted">Loading the schema…</p>
      </div>
    );
  }

  const keys = new Set(schema.map((k) => k.key));
  const visible = (key: string) => config.exists || showAll || touched.has(key);
  const byKey = (list: Diagnostic[], key: string) => (visible(key) ? list.filter((d) => d.key === key) : []);
  const general = result.errors.filter((d) => !keys.has(d.key));
  const errorCount = result.errors.length;
  const valid = result.valid && !checking;
  const groups = GROUPS.filter((g) => schema.some((k) => k.group === g.id));
  const others = schema.filter((k) => !GROUPS.some((g) => g.id === k.group));

  const renderField = (k: SchemaKey) => (
    <Field
      key={k.key}
      spec={k}
      value={text[k.key] ?? ''}
      secretState={config.secrets?.[k.key]}
      secretValue={secrets[k.key]}
      errors={byKey(result.errors, k.key)}
      warnings={byKey(result.warnings, k.key)}
      onChange={(v) => change(k.key, v)}
      onSecret={(v) => changeSecret(k.key, v)}
      extra={k.key === 'ssh_key_path' ? <KeyUpload onUploaded={(p) => change('ssh_key_path', p)} /> : undefined}
    />
  );

  return (
    <div class="screen" data-screen="configure">
      <div class="screen-head">
        <div>
          <h1>Configure</h1>
          <p class="lead">
            <span class="mono">{config.path}</span>
            {config.exists ? '' : ' (new)'} · {schema.length} settings
          </p>
        </div>
        <div
          class={`validity ${checking ? 'tone-run' : valid ? 'tone-ok' : 'tone-bad'}`}
          data-testid="validity"
          aria-live="polite"
          onClick={() => setShowAll(true)}
          title={valid ? '' : 'Show every problem'}
        >
          <Icon name={checking ? 'running' : valid ? 'check' : 'cross'} size={16} />
          {checking ? 'Checking…' : valid ? 'Configuration is valid' : `${errorCount} ${errorCount === 1 ? 'problem' : 'problems'} to fix`}
        </div>
      </div>

      {general.length > 0 && (
        <div class="notice tone-bad" role="alert" data-testid="general-errors">
          <Icon name="cross" />
          <div>
            {general.map((d, i) => (
              <p key={i} class="mono">
                {d.text || d.message}
              </p>
            ))}
          </div>
        </div>
      )}

      {groups.map((g) => (
        <section key={g.id} class="card form-group" data-group={g.id}>
          <header class="group-head">
            <h2>{g.id === 'distribution' ? `Distribution: ${schema.find((k) => k.group === g.id)?.source ?? ''}` : g.title}</h2>
            <p class="muted">{g.text}</p>
          </header>
          <div class="fields">{schema.filter((k) => k.group === g.id).map(renderField)}</div>
        </section>
      ))}
      {others.length > 0 && (
        <section class="card form-group">
          <header class="group-head">
            <h2>Other</h2>
          </header>
          <div class="fields">{others.map(renderField)}</div>
        </section>
      )}

      <div class="action-bar">
        {message && (
          <span class={`action-message tone-${message.tone}`} data-testid="config-message">
            <Icon name={message.tone === 'ok' ? 'check' : 'cross'} size={14} /> {message.text}
          </span>
        )}
        {!message && !valid && !checking && (
          <span class="action-message tone-bad">
            <Icon name="cross" size={14} /> {errorCount} {errorCount === 1 ? 'problem' : 'problems'} to fix before preflight
          </span>
        )}
        {!message && dirty && <span class="muted">Unsaved changes</span>}
        <span class="spacer" />
        <button class="btn" onClick={() => void save()} disabled={busy} data-testid="save-config">
          Save
        </button>
        <button
          class="btn btn-primary"
          onClick={() => void runPreflight()}
          disabled={!valid || busy || status.running}
          title={!valid ? 'Fix the configuration first' : status.running ? 'A run is going' : ''}
          data-testid="run-preflight"
        >
          <Icon name="play" size={13} /> {dirty ? 'Save and run preflight' : 'Run preflight'}
        </button>
      </div>
    </div>
  );
}
