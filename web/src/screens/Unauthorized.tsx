import { Icon } from '../components/icons';

export function Unauthorized() {
  return (
    <div class="center-page">
      <div class="card auth-card" data-testid="unauthorized">
        <div class="auth-icon">
          <Icon name="lock" size={28} />
        </div>
        <h1>Open the link printed by dcinstall web</h1>
        <p>
          This installer only answers browsers that came through its access link. When it started,{' '}
          <code>dcinstall web</code> printed a URL with a token, like
        </p>
        <pre class="mono url-sample">http://127.0.0.1:9000/?token=…</pre>
        <p>
          Open that exact URL in this browser. The token is then kept in a cookie for this site, so
          reloading works. If the server was restarted it has a new token: use the new URL.
        </p>
      </div>
    </div>
  );
}
