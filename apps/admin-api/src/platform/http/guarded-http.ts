import { lookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch } from 'undici';

// ipaddr.js range names a request from the API host to an admin-entered URL (a connector's tool
// import, an IdP's metadata) does not reach unless the operator allows private addresses: loopback,
// link-local (169.254.0.0/16 with the clouds' metadata service, fe80::/10), unspecified, RFC 1918
// private, shared address space (100.64.0.0/10, where some clouds put their metadata service) and
// IPv6 unique local (fc00::/7). IPv4-mapped IPv6 addresses are judged as the IPv4 address they
// carry.
const PRIVATE_RANGES = new Set([
  'loopback',
  'linkLocal',
  'unspecified',
  'private',
  'carrierGradeNat',
  'uniqueLocal',
]);

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback',
  linkLocal: 'a link-local',
  unspecified: 'an unspecified',
  private: 'a private',
  carrierGradeNat: 'a shared (carrier-grade NAT)',
  uniqueLocal: 'a unique local',
};

export class PrivateAddressRefused extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      host === address
        ? `${address} is ${RANGE_WORDS[range]} address`
        : `${host} resolves to ${address}, ${RANGE_WORDS[range]} address`,
    );
  }
}

// The refused range an address lies in, or null for an address a request may reach by default.
export function privateRange(address: string): string | null {
  const range = ipaddr.process(address).range();
  return PRIVATE_RANGES.has(range) ? range : null;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

// An HTTP client for requests to admin-entered URLs whose every connection goes to an address it
// checked: host names are resolved once per connection by its own lookup, every address they
// resolve to is checked, and the socket connects to those very addresses (no second resolution a
// DNS rebinding could answer differently); literal addresses are checked before connecting.
// Redirects open their connections through the same check. `refusal` keeps the first refusal,
// which the caller reports instead of the HTTP client's generic failure.
export class GuardedHttp {
  refusal: PrivateAddressRefused | null = null;
  private readonly agent: Agent;

  constructor(allowPrivate: boolean, timeoutMs: number) {
    const refuse = (host: string, address: string): PrivateAddressRefused | null => {
      const range = allowPrivate ? null : privateRange(address);
      if (!range) return null;
      this.refusal ??= new PrivateAddressRefused(host, address, range);
      return this.refusal;
    };
    const checkedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => {
      lookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '');
        for (const { address } of addresses) {
          const refused = refuse(hostname, address);
          if (refused) return callback(refused, '');
        }
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      });
    };
    const connect = buildConnector({ lookup: checkedLookup, timeout: timeoutMs });
    this.agent = new Agent({
      connect: (options, callback) => {
        const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
        const refused = ipaddr.isValid(host) ? refuse(host, host) : null;
        if (refused) return callback(refused, null);
        connect(options, callback);
      },
    });
  }

  // The standard fetch over the checked connections (also the MCP SDK transport's `fetch` option).
  readonly fetch = (url: string | URL, init?: RequestInit): Promise<Response> =>
    fetch(url, {
      ...(init as Parameters<typeof fetch>[1]),
      dispatcher: this.agent,
    }) as unknown as Promise<Response>;

  close(): Promise<void> {
    return this.agent.close();
  }
}
