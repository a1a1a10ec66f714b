/**
 * A token as RongCloud's SDKs handle it: `<opaque>@<navigation>`. Only the issuer reads the opaque
 * part; the SDKs read the navigation hosts after the first `@` (separated by `;`) and send the
 * gateway the opaque part with its `@`, so whatever follows the `@` never reaches the gateway.
 */
export interface TokenParts {
  opaque: string;
  /** What follows the first `@`; undefined for a token without one. */
  navigation: string | undefined;
}

export function splitToken(token: string): TokenParts {
  const at = token.indexOf('@');
  return at === -1 ? { opaque: token, navigation: undefined } : { opaque: token.slice(0, at), navigation: token.slice(at + 1) };
}

export function joinToken(opaque: string, navigation: string): string {
  return `${opaque}@${navigation}`;
}

/** The token as the SDKs put it in CONNECT: a token without an `@` goes unchanged. */
export function tokenForGateway(token: string): string {
  const { opaque, navigation } = splitToken(token);
  return navigation === undefined ? opaque : joinToken(opaque, '');
}

/** The navigation hosts a token names, in order. */
export function navigationHostsOf(token: string): string[] {
  return (splitToken(token).navigation ?? '').split(';').filter((host) => host.length > 0);
}
