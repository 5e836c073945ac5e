import { clientAddress } from './client-address';

describe('clientAddress', () => {
  describe('when the client is on IPv4', () => {
    it('counts by the address, however it is written', () => {
      expect(clientAddress('203.0.113.7')).toBe('203.0.113.7');
      expect(clientAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
      expect(clientAddress('64:ff9b::203.0.113.7')).toBe('203.0.113.7');
    });
  });

  describe('when the client is on IPv6', () => {
    it('counts every address of one /64 as one client, however it is written', () => {
      const network = '2001:db8:1:2::/64';
      expect(clientAddress('2001:db8:1:2::1')).toBe(network);
      expect(clientAddress('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(network);
      expect(clientAddress('2001:0DB8:0001:0002:0:0:0:9')).toBe(network);
      expect(clientAddress('[2001:db8:1:2::1]')).toBe(network);
      expect(clientAddress('2001:DB8:1:2::/64')).toBe(network);
      expect(clientAddress(network)).toBe(network);
      expect(clientAddress('2001:db8:1:3::1')).not.toBe(network);
    });
  });

  describe('when a proxy forwarded the address with its port', () => {
    it('counts by the address, so each connection is not a client of its own', () => {
      expect(clientAddress('203.0.113.7:50123')).toBe('203.0.113.7');
      expect(clientAddress('[2001:db8:1:2::1]:443')).toBe('2001:db8:1:2::/64');
    });
  });

  describe('when there is no address (the socket is gone)', () => {
    it('counts it as one client rather than failing', () => {
      expect(clientAddress(undefined)).toBe('unknown');
      expect(clientAddress('')).toBe('unknown');
    });
  });

  describe('when the text is no address', () => {
    it('keeps it as it is', () => {
      expect(clientAddress('unknown')).toBe('unknown');
      // ipaddr.js would read it as octal, 8.0.0.1: another client's address.
      expect(clientAddress('010.0.0.1')).toBe('010.0.0.1');
    });
  });
});
