import { BlockList, isIP } from 'node:net';
import { ConfigError } from './config-error';

/** Which proxies' `X-Forwarded-For` a service believes, as Fastify's `trustProxy` takes it. */
export type TrustProxy = boolean | number | string[];

const PRESETS = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `TRUST_PROXY`: unset or `false`, nobody (the client is the connection's
 * peer); a hop count (`1`: the nearest proxy), which believes whoever
 * connects, so it is safe only when the port is reachable through the proxies
 * alone; or the proxies' addresses,
 * comma-separated: IPs, CIDR ranges (no wider than /8, or /7 for IPv6 and
 * /104 for IPv4-mapped IPv6), or
 * `loopback`, `linklocal`, `uniquelocal`. `true` believes any sender, which lets a client pick its own
 * address, so it is refused: name the proxies instead.
 */
export function trustProxy(value: string | undefined): TrustProxy {
  const v = value?.trim() ?? '';
  if (v === '' || v === 'false') return false;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops >= 1 && hops <= 10) return hops;
  } else {
    const entries = v.split(',').map((e) => e.trim());
    if (entries.every(isProxyAddress)) return entries;
  }
  throw new ConfigError(
    'TRUST_PROXY',
    `must be false, a hop count from 1 to 10, or proxy addresses (IPs, CIDR ranges no wider than /8, /7 for IPv6, /104 for IPv4-mapped IPv6, ${PRESETS.join(', ')}), got "${v}"`,
  );
}

function isProxyAddress(entry: string): boolean {
  if (PRESETS.includes(entry)) return true;
  const [ip, bits, extra] = entry.split('/');
  const version = isIP(ip);
  if (version === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  const [widest, narrowest] =
    version === 4 ? WIDEST_V4 : IPV4_MAPPED.check(ip, 'ipv6') ? WIDEST_V4_MAPPED : WIDEST_V6;
  return /^\d+$/.test(bits) && n >= widest && n <= narrowest;
}

// No wider than the widest private range (10.0.0.0/8, fc00::/7): a wider one believes
// much of the internet, as `true` would, and /0 would not even start.
const WIDEST_V4 = [8, 32];
const WIDEST_V6 = [7, 128];
// A range of IPv4-mapped addresses (::ffff:a.b.c.d/n) is believed for IPv4 clients as the
// IPv4 range /n-96: the same /8 limit is /104.
const IPV4_MAPPED = new BlockList();
IPV4_MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');
const WIDEST_V4_MAPPED = [104, 128];
