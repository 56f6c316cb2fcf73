// Hash routes (#/preflight, #/logs?host=...), so a reload keeps the screen.
import { useEffect, useState } from 'preact/hooks';

export type ScreenName = 'welcome' | 'configure' | 'preflight' | 'deploy' | 'postflight' | 'success' | 'logs' | 'upgrade';
export const SCREENS: ScreenName[] = ['welcome', 'configure', 'preflight', 'deploy', 'postflight', 'success', 'logs', 'upgrade'];

export interface Route {
  screen: ScreenName | null;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const [name, query] = h.split('?', 2);
  const screen = (SCREENS as string[]).includes(name) ? (name as ScreenName) : null;
  return { screen, params: new URLSearchParams(query ?? '') };
}

export function navigate(screen: ScreenName, params?: Record<string, string>) {
  const qs = params ? new URLSearchParams(params).toString() : '';
  window.location.hash = `#/${screen}${qs ? `?${qs}` : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const fn = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', fn);
    return () => window.removeEventListener('hashchange', fn);
  }, []);
  return route;
}
