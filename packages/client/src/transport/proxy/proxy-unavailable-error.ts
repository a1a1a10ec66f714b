/**
 * Why a proxy could not give us a tunnel:
 * - unreachable: no TCP connection to the proxy (refused, no route, unknown host);
 * - refused-auth: the proxy wants credentials we do not have, or rejected the ones we sent;
 * - target-refused: the proxy answered but would not (or could not) connect to the target;
 * - protocol-error: the proxy broke the handshake (malformed or oversized reply, early hang-up);
 * - timeout: the connection and handshake did not finish in time.
 */
export type ProxyFailureReason = 'unreachable' | 'refused-auth' | 'target-refused' | 'protocol-error' | 'timeout';

/** The configured proxy cannot be used; the SDK reports every reason as RC_CONN_PROXY_UNAVAILABLE (31028). */
export class ProxyUnavailableError extends Error {
  override readonly name = 'ProxyUnavailableError';
  readonly reason: ProxyFailureReason;

  constructor(reason: ProxyFailureReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}
