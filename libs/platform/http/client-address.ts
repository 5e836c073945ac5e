import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import ipaddr from 'ipaddr.js';

/**
 * What per-client limits count by: an IPv4 address, or the /64 network an IPv6
 * address is in. A host is usually given a whole /64, so counting each of its
 * addresses apart would give it 2^64 budgets. An IPv4 address written as IPv6
 * (`::ffff:1.2.3.4`) is the IPv4 address. Text that is no address stays as it is.
 */
export function clientAddress(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip); // unwraps ::ffff:a.b.c.d
  if (address.kind() === 'ipv4') return address.toString();
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toNormalizedString()}/64`);
  return `${network.toString()}/64`;
}

/** The client's address as per-client limits count it (`clientAddress` of `request.ip`). */
export const ClientAddress = createParamDecorator((_: unknown, context: ExecutionContext) =>
  clientAddress(context.switchToHttp().getRequest<{ ip: string }>().ip),
);
