import { createHash, randomInt } from 'node:crypto';

export interface Credentials {
  appKey: string;
  appSecret: string;
}

export interface SigningOptions {
  nonce?: string;
  timestamp?: string;
  /** Overrides the computed signature. */
  signature?: string;
  headerPrefix?: '' | 'RC-';
}

export interface ApiResponse {
  status: number;
  body: Record<string, unknown> & { code: number; errorMessage?: string };
}

/** A Server API call signed the RongCloud way, sent over a real HTTP connection. */
export async function callServerApi(
  baseUrl: string,
  path: string,
  params: Record<string, string | number | (string | number)[]>,
  credentials: Credentials,
  options: SigningOptions = {},
): Promise<ApiResponse> {
  const nonce = options.nonce ?? String(randomInt(1, 2 ** 31));
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const signature =
    options.signature ?? createHash('sha1').update(credentials.appSecret + nonce + timestamp).digest('hex');
  const prefix = options.headerPrefix ?? '';
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(key, String(v));
  }
  const response = await fetch(`${baseUrl}/${path}.json`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      [`${prefix}App-Key`]: credentials.appKey,
      [`${prefix}Nonce`]: nonce,
      [`${prefix}Timestamp`]: timestamp,
      [`${prefix}Signature`]: signature,
    },
    body: form.toString(),
  });
  return { status: response.status, body: (await response.json()) as ApiResponse['body'] };
}
