import { request as httpRequest } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

export interface RawRequestOptions {
  body?: string;
  headers?: Record<string, string>;
  /** The address the request leaves from (127.0.0.x), to act as several clients. */
  localAddress?: string;
}

/**
 * An HTTP request sent exactly as written: the path is not normalised (fetch would resolve `..`),
 * and headers fetch forbids or rewrites (Host) go out as given.
 */
export function raw(baseUrl: string, method: string, path: string, options: RawRequestOptions = {}): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: options.headers, localAddress: options.localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Options for a JSON body, with extra headers. */
export const json = (body: unknown, extra: Record<string, string> = {}): RawRequestOptions => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...extra },
});
