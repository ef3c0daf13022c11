/** A listen address `host:port` (`[::1]:9465` for IPv6) taken apart: the host without brackets. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(separator + 1)) };
}

/** Whether `address` (`host:port`) is on loopback. */
export function isLoopback(address: string): boolean {
  const { host } = parseListenAddress(address);
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
