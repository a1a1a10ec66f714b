// The confinement rule of the SDK children: nothing but loopback is reached, and a connection to
// any other host goes to a closed loopback port instead.

/** Nothing listens on port 1, so a connection sent here fails at once. */
export const CLOSED_LOOPBACK_HOST = '127.0.0.1';
export const CLOSED_LOOPBACK_PORT = 1;

/** @param {string} host a host name, an IPv4 address, or an IPv6 address with or without brackets (as in `URL.hostname`) */
export function isLoopbackHost(host) {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
