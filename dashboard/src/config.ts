/** Where the API and the live-update WebSocket are. Same-origin by default (the local server
 * serves the dashboard beside `/api`; on AWS, CloudFront routes `/api` to API Gateway).
 * A deployment that puts the WebSocket elsewhere (API Gateway's own `wss://` URL) says so in
 * `/config.json`, which is deployed beside the app: no build-time settings, no secrets. */
export interface RuntimeConfig {
  apiBase: string;
  websocketUrl: string;
}

interface ConfigFile {
  apiBase?: unknown;
  websocketUrl?: unknown;
}

export function defaultConfig(location: Pick<Location, 'origin' | 'protocol' | 'host'>): RuntimeConfig {
  const wsScheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return { apiBase: location.origin, websocketUrl: `${wsScheme}//${location.host}/api/ws` };
}

export async function loadConfig(
  location: Pick<Location, 'origin' | 'protocol' | 'host'> = window.location,
): Promise<RuntimeConfig> {
  const defaults = defaultConfig(location);
  let file: ConfigFile = {};
  try {
    const response = await fetch(new URL('/config.json', location.origin), { cache: 'no-store' });
    if (response.ok && (response.headers.get('content-type') ?? '').includes('json')) {
      file = (await response.json()) as ConfigFile;
    }
  } catch {
    // No configuration file: the same-origin defaults apply.
  }
  return {
    apiBase: typeof file.apiBase === 'string' && file.apiBase !== '' ? file.apiBase.replace(/\/$/, '') : defaults.apiBase,
    websocketUrl:
      typeof file.websocketUrl === 'string' && file.websocketUrl !== '' ? file.websocketUrl : defaults.websocketUrl,
  };
}
