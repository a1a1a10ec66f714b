import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { connectThroughProxy, type ConnectThroughProxyOptions } from './connect-through-proxy.js';
import type { ProxyOptions } from './proxy-options.js';

/*
 * How the tunnel is handed to `ws`: through its `agent` option.
 *
 * `ws` also takes a `createConnection` option, but documents and types it (`typeof net.createConnection`)
 * as a synchronous replacement for net.connect/tls.connect. A callback form happens to work today only
 * because `ws` passes its options to http.request unchanged; relying on that would mean a type cast
 * and an undocumented path. An http.Agent's createConnection, by contrast, may hand its socket to a
 * callback later (documented Node API, typed in @types/node), and a custom agent is the way the `ws`
 * README itself gives for proxies. The agent is chosen per URL scheme: https.request only accepts an
 * https.Agent, whose own createConnection then runs TLS over the tunnel (with the TLS options given to
 * `ws`, e.g. `ca`), so wss:// works end to end through the proxy.
 */

type ConnectionCallback = (error: Error | null, socket?: Duplex) => void;

/**
 * The `ws` client options that make a WebSocket to `url` go through `proxy`; spread them into the
 * options of `new WebSocket(url, ...)`. When the proxy fails, the WebSocket emits 'error' with the
 * {@link ProxyUnavailableError} (then 'close').
 */
export function webSocketOptionsForProxy(
  proxy: ProxyOptions,
  url: string | URL,
  options: ConnectThroughProxyOptions = {},
): { agent: http.Agent } {
  const { protocol } = new URL(url);
  if (protocol === 'ws:' || protocol === 'http:') return { agent: new ProxyTunnelAgent(proxy, options) };
  if (protocol === 'wss:' || protocol === 'https:') return { agent: new SecureProxyTunnelAgent(proxy, options) };
  throw new TypeError(`a proxy can carry ws:, wss:, http: or https: URLs, not ${protocol}`);
}

class ProxyTunnelAgent extends http.Agent {
  constructor(
    private readonly proxy: ProxyOptions,
    private readonly tunnelOptions: ConnectThroughProxyOptions,
  ) {
    super();
  }

  override createConnection(request: http.ClientRequestArgs, callback: ConnectionCallback): undefined {
    openTunnel(this.proxy, request, this.tunnelOptions).then(
      (tunnel) => callback(null, tunnel),
      (error: Error) => callback(error),
    );
    return undefined;
  }
}

class SecureProxyTunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: ProxyOptions,
    private readonly tunnelOptions: ConnectThroughProxyOptions,
  ) {
    super();
  }

  override createConnection(request: http.ClientRequestArgs, callback: ConnectionCallback): undefined {
    openTunnel(this.proxy, request, this.tunnelOptions)
      .then((tunnel) => {
        // https.Agent's own createConnection is tls.connect (plus TLS session reuse), which runs TLS over
        // `socket` when given one. It always returns that TLS socket; the `??` only satisfies its typing.
        const secureRequest: http.ClientRequestArgs & { socket: Duplex } = { ...request, socket: tunnel };
        try {
          return super.createConnection(secureRequest) ?? undefined;
        } catch (error) {
          // tls.connect throws on unusable TLS options (say, a malformed `ca`): fail the request with that.
          tunnel.destroy();
          throw error;
        }
      })
      .then(
        (secureSocket) => callback(null, secureSocket),
        (error: Error) => callback(error),
      );
    return undefined;
  }
}

function openTunnel(proxy: ProxyOptions, request: http.ClientRequestArgs, options: ConnectThroughProxyOptions): Promise<net.Socket> {
  // http.ClientRequest always fills in host (defaulting to localhost, as here) and port; with `ws` they
  // are the WebSocket URL's.
  return connectThroughProxy(proxy, { host: request.host ?? 'localhost', port: Number(request.port) }, options);
}
