import type { ConnectorAddress } from './compiled';
import type { ConnectorSource } from './model';

// A host on the web allow-list: a lower-case DNS name, or `*.` + one for its strict subdomains.
// No scheme, port, path or bare `*`: an entry names hosts, and nothing wider than a domain.
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`);

export function isWebHost(host: string): boolean {
  return host.length <= 253 && HOST.test(host);
}

// The address a connector source compiles to, or null when it is incomplete (then the runtime has
// nowhere to connect and every call to it fails).
export function connectorAddress(connector: ConnectorSource): ConnectorAddress | null {
  if (!connector.version) return null;
  if (connector.transport === 'stdio') {
    return connector.command
      ? {
          transport: 'stdio',
          command: connector.command,
          args: [...(connector.args ?? [])],
          version: connector.version,
        }
      : null;
  }
  return connector.url
    ? { transport: 'streamable_http', url: connector.url, version: connector.version }
    : null;
}
