import { describe, expect, it } from 'vitest';
import { nonPublicReason } from './ip-address';

describe('nonPublicReason', () => {
  it.each([
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['10.1.2.3', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['169.254.169.254', /link-local/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.0.0.170', /IETF/],
    ['192.0.2.1', /documentation/],
    ['192.168.1.1', /private/],
    ['198.18.0.1', /benchmarking/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['0:0:0:0:0:0:0:1', /loopback/],
    ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
    ['::ffff:7f00:1', /IPv4-mapped loopback/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped link-local/],
    ['::ffff:10.0.0.1', /IPv4-mapped private/],
    ['64:ff9b::a9fe:a9fe', /NAT64 link-local/],
    ['2002:7f00:1::', /6to4 loopback/],
    ['2002:c0a8:0101::1', /6to4 private/],
    ['::127.0.0.1', /not global unicast/],
    ['fc00::1', /unique-local/],
    ['fd12:3456:789a::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['2001::1', /IETF special-purpose/],
    ['2001:db8::1', /documentation/],
    ['100::1', /not global unicast/],
    ['example.com', /not an IP address/],
  ])('refuses %s', (address, reason) => {
    expect(nonPublicReason(address)).toMatch(reason);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '93.184.215.14',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('accepts the public address %s', (address) => {
    expect(nonPublicReason(address)).toBeUndefined();
  });
});
