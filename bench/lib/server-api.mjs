// Signed Server API calls (RongCloud's scheme: sha1(appSecret + nonce + timestamp)), as an app server makes them.
import { createHash, randomInt } from 'node:crypto';
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/**
 * @param {string} baseUrl
 * @param {string} path e.g. 'user/getToken'
 * @param {Record<string, string | number | (string | number)[]>} params
 * @param {{appKey: string, appSecret: string}} app
 * @returns {Promise<any>}
 */
export function callServerApi(baseUrl, path, params, app) {
  const nonce = String(randomInt(1, 2 ** 31));
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHash('sha1').update(app.appSecret + nonce + timestamp).digest('hex');
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const v of Array.isArray(value) ? value : [value]) form.append(key, String(v));
  const body = form.toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/${path}.json`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'App-Key': app.appKey,
          Nonce: nonce,
          Timestamp: timestamp,
          Signature: signature,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          try {
            const json = JSON.parse(text);
            if (json.code !== 200) reject(new Error(`${path}: ${text}`));
            else resolve(json);
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Registers users through `/user/getToken.json` (as an app server does) with `lanes` calls in flight,
 * lane i calling `baseUrls[i % baseUrls.length]`, and returns their tokens. `tokens` caches them:
 * users already in it are not registered again.
 * @param {string[]} baseUrls
 * @param {string[]} userIds
 * @param {{appKey: string, appSecret: string}} app
 * @param {Map<string, string>} tokens
 * @returns {Promise<string[]>}
 */
export async function registerUsers(baseUrls, userIds, app, tokens, lanes = 32) {
  const missing = userIds.filter((u) => !tokens.has(u));
  let i = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const base = baseUrls[lane % baseUrls.length];
      while (i < missing.length) {
        const userId = missing[i++];
        const r = await callServerApi(base, 'user/getToken', { userId, name: userId }, app);
        tokens.set(userId, r.token);
      }
    }),
  );
  return userIds.map((u) => /** @type {string} */ (tokens.get(u)));
}
