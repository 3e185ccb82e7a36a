import { isIP } from 'node:net';

/**
 * Which addresses http.fetch may connect to. IPv4: everything except the
 * special-purpose ranges below. IPv6: only global unicast (2000::/3) minus its
 * special-purpose ranges; IPv4 embedded in IPv6 (mapped ::ffff:a.b.c.d,
 * NAT64 64:ff9b::/96, 6to4 2002::/16) is judged as the IPv4 address it carries.
 */

type Bytes = readonly number[];

interface Range {
  network: Bytes;
  prefix: number;
  label: string;
}

function parseIPv4(text: string): Bytes {
  return text.split('.').map(Number);
}

/** 16 bytes of an address that `isIP` already accepted as IPv6. */
function parseIPv6(text: string): Bytes {
  let address = text.split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const [a, b, c, d] = parseIPv4(dotted[1]!) as [number, number, number, number];
    address = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = address.split('::');
  const words = (part: string) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const front = words(head);
  const back = tail === undefined ? [] : words(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

function range(cidr: string, label: string): Range {
  const [address = '', prefix = ''] = cidr.split('/');
  return {
    network: isIP(address) === 4 ? parseIPv4(address) : parseIPv6(address),
    prefix: Number(prefix),
    label,
  };
}

function contains(r: Range, bytes: Bytes): boolean {
  for (let bit = 0; bit < r.prefix; bit += 8) {
    const bits = Math.min(8, r.prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((r.network[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

const IPV4_SPECIAL: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified / "this network"'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local (cloud metadata)'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', '6to4 relay anycast'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved / broadcast'),
];

const IPV6_SPECIAL: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('fc00::/7', 'unique-local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
  range('2001::/23', 'IETF special-purpose (Teredo, benchmarking, ORCHID …)'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
];
const IPV6_GLOBAL_UNICAST = range('2000::/3', 'global unicast');

const EMBEDDING_IPV4: readonly { range: Range; offset: number }[] = [
  { range: range('::ffff:0:0/96', 'IPv4-mapped'), offset: 12 },
  { range: range('64:ff9b::/96', 'NAT64'), offset: 12 },
  { range: range('2002::/16', '6to4'), offset: 2 },
];

function ipv4Reason(bytes: Bytes): string | undefined {
  return IPV4_SPECIAL.find((r) => contains(r, bytes))?.label;
}

function ipv6Reason(bytes: Bytes): string | undefined {
  for (const { range: r, offset } of EMBEDDING_IPV4) {
    if (!contains(r, bytes)) continue;
    const reason = ipv4Reason(bytes.slice(offset, offset + 4));
    return reason ? `${r.label} ${reason}` : undefined;
  }
  const special = IPV6_SPECIAL.find((r) => contains(r, bytes));
  if (special) return special.label;
  return contains(IPV6_GLOBAL_UNICAST, bytes) ? undefined : 'reserved (not global unicast)';
}

/**
 * Why `address` is not a public unicast address (private, loopback,
 * link-local …), or undefined when it is public.
 */
export function nonPublicReason(address: string): string | undefined {
  const version = isIP(address);
  if (version === 4) return ipv4Reason(parseIPv4(address));
  if (version === 6) return ipv6Reason(parseIPv6(address));
  return 'not an IP address';
}
