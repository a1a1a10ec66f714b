/**
 * Whether a browser page's Origin may connect, given the app's safe domains. An entry `example.com`
 * matches that host on any port, `*.example.com` matches its subdomains, and `host:port` pins the
 * port. An empty list allows every origin. A connect without an Origin header (native, Node and
 * server clients) is not a browser page and is allowed: safe domains stop other websites from using
 * an App Key, they do not authenticate clients — tokens do.
 */
export function isOriginAllowed(safeDomains: readonly string[], origin: string | undefined): boolean {
  if (safeDomains.length === 0 || origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return safeDomains.some((entry) => {
    const [pattern = '', pinnedPort] = entry.toLowerCase().split(':');
    if (pinnedPort !== undefined && pinnedPort !== port) return false;
    return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
  });
}
