import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ConnectionErrorCode } from '../enums.js';
import { TransportError } from '../transport/frame-socket.js';
import { ProxyUnavailableError } from '../transport/proxy/connect-through-proxy.js';
import type { PostForm } from './http-post.js';

/** Navigation answers are small; a larger body is not a navigation answer. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Node: node:http rather than fetch, whose pool was seen to sit on a request until its timeout when
 * the server dropped the first connection; navigation must fail fast so the retry schedule holds.
 */
export function nodePostForm(agentFor?: (url: string) => Agent): PostForm {
  return (url, headers, body, timeoutMs) =>
    new Promise((resolve, reject) => {
      const agent = agentFor?.(url);
      const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method: 'POST', headers, agent, timeout: timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) return request.destroy(new Error('navigation answer too large'));
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error('navigation timed out')));
      request.on('error', (error) =>
        reject(error instanceof ProxyUnavailableError ? new TransportError(ConnectionErrorCode.RC_CONN_PROXY_UNAVAILABLE, error.message) : error),
      );
      request.end(body);
    });
}
