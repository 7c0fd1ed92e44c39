/** One IP address assigned to an interface. */
export type InterfaceAddress = {
  family: 'inet' | 'inet6';
  address: string;
  /** Prefix length, e.g. 24 for a /24 network. */
  prefix: number;
};

/**
 * Parses `ip -o addr show` (one address per line: `2: eth0    inet 192.168.1.42/24 brd ...`) into
 * addresses per interface, in output order. Point-to-point lines (`inet 10.8.0.6 peer 10.8.0.5/32`)
 * take the peer's prefix; an address without any prefix is a host address (/32 or /128).
 */
export function parseIpAddrOneline(text: string): Record<string, InterfaceAddress[]> {
  // No prototype: interface names are arbitrary text and must not hit `__proto__`.
  const result: Record<string, InterfaceAddress[]> = Object.create(null);
  for (const line of text.split('\n')) {
    const [index, rawName, family, local, ...rest] = line.trim().split(/\s+/);
    if (index === undefined || !/^\d+:$/.test(index) || rawName === undefined || local === undefined) {
      continue;
    }
    if (family !== 'inet' && family !== 'inet6') continue;
    // Some iproute2 versions print `name@link` for stacked devices such as VLANs and veths.
    const name = rawName.replace(/@.*$/, '').replace(/:$/, '');
    const [address = '', ownPrefix] = local.split('/');
    const peer = rest[0] === 'peer' ? rest[1]?.split('/')[1] : undefined;
    const prefixText = ownPrefix ?? peer ?? (family === 'inet' ? '32' : '128');
    if (name === '' || address === '' || !/^\d{1,3}$/.test(prefixText)) continue;
    let list = result[name];
    if (list === undefined) {
      list = [];
      result[name] = list;
    }
    list.push({ family, address, prefix: Number(prefixText) });
  }
  return result;
}
