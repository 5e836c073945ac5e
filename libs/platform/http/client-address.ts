import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import ipaddr from 'ipaddr.js';

/**
 * What per-client limits count by: an IPv4 address, or the /64 network an IPv6
 * address is in. A host is usually given a whole /64, so counting each of its
 * addresses apart would give it 2^64 budgets. An IPv4 address written as IPv6
 * (`::ffff:1.2.3.4`, or through a NAT64 gateway `64:ff9b::1.2.3.4`) is the
 * IPv4 address. Text that is no address in a usual form (`010.0.0.1` would be
 * read as octal) stays as it is, and `[…]` around an IPv6 address is dropped,
 * with a port after an address (some proxies forward `203.0.113.7:50123`: each
 * connection would count as a client of its own). No address at all (a socket
 * already gone) counts as one client, `unknown`.
 * A /64 as this returns it reads as the same key, so an operator can name one as shown.
 */
export function clientAddress(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const text = ip.replace(/^\[(.*)\](?::\d+)?$/, '$1').replace(/^([\d.]+):\d+$/, '$1');
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString();
  const host = text.endsWith('/64') ? text.slice(0, -'/64'.length) : text;
  if (!ipaddr.IPv6.isValid(host)) return ip;
  const address = ipaddr.IPv6.parse(host);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
  if (address.range() === 'rfc6052') return nat64Client(address);
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toNormalizedString()}/64`);
  return `${network.toString()}/64`;
}

/** The IPv4 client a NAT64 gateway's address stands for: its last 32 bits. */
function nat64Client(address: ipaddr.IPv6): string {
  const [high, low] = address.parts.slice(6);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The client's address as per-client limits count it (`clientAddress` of `request.ip`). */
export const ClientAddress = createParamDecorator((_: unknown, context: ExecutionContext) =>
  clientAddress(context.switchToHttp().getRequest<{ ip?: string }>().ip),
);
