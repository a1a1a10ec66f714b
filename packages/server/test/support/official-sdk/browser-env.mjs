// Browser stand-ins that let the official RongCloud Web SDK run in plain Node, plus the network
// confinement every test child needs: the SDK calls RongCloud's own navigation, log and config hosts
// on its own, and no test traffic may leave the machine.

import http from 'node:http';
import https from 'node:https';
import XHR2 from 'xhr2';
import { WebSocket as NodeWebSocket } from 'ws';
import 'fake-indexeddb/auto';
import { CLOSED_LOOPBACK_HOST, CLOSED_LOOPBACK_PORT, isLoopbackHost } from '../sdk-child/loopback.mjs';

/**
 * @typedef {object} HttpRequestRecord
 * @property {'xhr' | 'fetch'} api
 * @property {string} method
 * @property {string} originalUrl the URL the SDK asked for
 * @property {string} url the URL actually requested (differs when the original host was not loopback)
 * @property {boolean} redirectedToClosedPort
 * @property {Record<string, string>} headers headers the SDK set (not the ones Node adds)
 * @property {string | null} body binary bodies are decoded as UTF-8
 */

/**
 * @typedef {object} WebSocketRecord
 * @property {string} originalUrl
 * @property {string} url
 * @property {boolean} redirectedToClosedPort
 */

/**
 * @typedef {object} NetworkObserver
 * @property {(request: HttpRequestRecord) => void} onHttpRequest
 * @property {(socket: WebSocketRecord) => void} onWebSocket
 * @property {(connection: { host: string, port: number }) => void} onBlockedConnection
 *   a connection below the URL layer (an HTTP redirect, say) that had to be confined
 */

/**
 * @param {string} rawUrl
 * @returns {{ url: string, redirectedToClosedPort: boolean }}
 */
function confineToLoopback(rawUrl) {
  let url;
  try {
    url = new URL(rawUrl);
  } catch {
    return { url: `http://${CLOSED_LOOPBACK_HOST}:${CLOSED_LOOPBACK_PORT}/`, redirectedToClosedPort: true };
  }
  if (isLoopbackHost(url.hostname)) return { url: rawUrl, redirectedToClosedPort: false };
  url.hostname = CLOSED_LOOPBACK_HOST;
  url.port = String(CLOSED_LOOPBACK_PORT);
  url.username = '';
  url.password = '';
  return { url: url.href, redirectedToClosedPort: true };
}

/** @param {unknown} body */
function describeBody(body) {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return String(body);
}

/**
 * xhr2 follows HTTP redirects by itself, after `open()` has seen the URL, so its sockets are confined
 * too, through agents that only connect to loopback.
 * @param {NetworkObserver} observer
 */
function createLoopbackOnlyAgents(observer) {
  /**
   * @param {{ host?: string | null, hostname?: string | null, port?: number | string | null }} options
   */
  const confine = (options) => {
    const host = options.hostname ?? options.host ?? 'localhost';
    if (isLoopbackHost(host)) return options;
    observer.onBlockedConnection({ host, port: Number(options.port) });
    return { ...options, host: CLOSED_LOOPBACK_HOST, hostname: CLOSED_LOOPBACK_HOST, port: CLOSED_LOOPBACK_PORT };
  };
  class LoopbackOnlyHttpAgent extends http.Agent {
    /** @override @type {http.Agent['createConnection']} */
    createConnection(options, callback) {
      return super.createConnection(confine(options), callback);
    }
  }
  class LoopbackOnlyHttpsAgent extends https.Agent {
    /** @override @type {https.Agent['createConnection']} */
    createConnection(options, callback) {
      return super.createConnection(confine(options), callback);
    }
  }
  return { httpAgent: new LoopbackOnlyHttpAgent(), httpsAgent: new LoopbackOnlyHttpsAgent() };
}

const UPLOAD_CHUNK_BYTES = 64 * 1024;

/**
 * xhr2 writes a request body in one piece and fires no upload progress; a browser reports progress
 * as the body goes out. This writes it in chunks and fires `progress` on `xhr.upload` as each one is
 * handed to the socket, as a browser does.
 * @param {any} upload xhr2's XMLHttpRequestUpload
 */
function reportUploadProgress(upload) {
  upload._startUpload = (/** @type {http.ClientRequest} */ request) => {
    /** @type {Buffer} */
    const body = upload._body ?? Buffer.alloc(0);
    let sent = 0;
    const writeNext = () => {
      if (sent >= body.length) return void request.end();
      const chunk = body.subarray(sent, sent + UPLOAD_CHUNK_BYTES);
      request.write(chunk, () => {
        sent += chunk.length;
        upload.dispatchEvent({ type: 'progress', lengthComputable: true, loaded: sent, total: body.length });
        writeNext();
      });
    };
    writeNext();
  };
}

/** @param {NetworkObserver} observer */
function createConfinedXMLHttpRequest(observer) {
  /** @type {typeof XMLHttpRequest & { nodejsSet(agents: { httpAgent: http.Agent, httpsAgent: https.Agent }): void }} */
  const NodeXMLHttpRequest = XHR2;
  class ConfinedXMLHttpRequest extends NodeXMLHttpRequest {
    /** @type {HttpRequestRecord | null} */
    #record = null;

    /**
     * @override
     * @param {string} method
     * @param {string | URL} requestedUrl
     * @param {boolean} [async]
     * @param {string | null} [user]
     * @param {string | null} [password]
     */
    open(method, requestedUrl, async = true, user = null, password = null) {
      const originalUrl = String(requestedUrl);
      const { url, redirectedToClosedPort } = confineToLoopback(originalUrl);
      this.#record = {
        api: 'xhr',
        method: method.toUpperCase(),
        originalUrl,
        url,
        redirectedToClosedPort,
        headers: {},
        body: null,
      };
      return super.open(method, url, async, user, password);
    }

    /** @override @param {string} name @param {string} value */
    setRequestHeader(name, value) {
      if (this.#record) this.#record.headers[name] = String(value);
      return super.setRequestHeader(name, value);
    }

    /** @override @param {any} [body] */
    send(body) {
      if (this.#record) observer.onHttpRequest({ ...this.#record, body: describeBody(body) });
      if (body instanceof globalThis.FormData) {
        // xhr2 sends bytes only: the form is encoded as a browser would, then sent.
        const encoded = new globalThis.Request('http://127.0.0.1/', { method: 'POST', body });
        void encoded.arrayBuffer().then((bytes) => {
          super.setRequestHeader('Content-Type', encoded.headers.get('content-type') ?? '');
          reportUploadProgress(this.upload);
          super.send(Buffer.from(bytes));
        });
        return undefined;
      }
      return super.send(body);
    }
  }
  ConfinedXMLHttpRequest.nodejsSet(createLoopbackOnlyAgents(observer));
  return ConfinedXMLHttpRequest;
}

/** @param {NetworkObserver} observer */
function createConfinedWebSocket(observer) {
  return class ConfinedWebSocket extends NodeWebSocket {
    /** @param {string | URL} requestedUrl @param {string | string[]} [protocols] */
    constructor(requestedUrl, protocols) {
      const originalUrl = String(requestedUrl);
      const { url, redirectedToClosedPort } = confineToLoopback(originalUrl);
      super(url, protocols);
      observer.onWebSocket({ originalUrl, url, redirectedToClosedPort });
    }
  };
}

/**
 * The SDK does not call `fetch` (5.38.0), but Node provides one globally, so it is confined as well.
 * @param {NetworkObserver} observer
 * @param {typeof fetch} nodeFetch
 * @returns {typeof fetch}
 */
function createConfinedFetch(observer, nodeFetch) {
  return (input, init) => {
    const request = new globalThis.Request(input, init);
    const { url, redirectedToClosedPort } = confineToLoopback(request.url);
    observer.onHttpRequest({
      api: 'fetch',
      method: request.method,
      originalUrl: request.url,
      url,
      redirectedToClosedPort,
      headers: Object.fromEntries(request.headers),
      body: typeof init?.body === 'string' ? init.body : null,
    });
    // A confined request only has to fail, so it goes out as a bare GET to the closed port.
    return nodeFetch(redirectedToClosedPort ? url : request, { redirect: 'error' });
  };
}

/** @returns {Storage} */
function createMemoryStorage() {
  /** @type {Map<string, string>} */
  const items = new Map();
  return {
    get length() {
      return items.size;
    },
    key: (index) => [...items.keys()][index] ?? null,
    getItem: (key) => items.get(String(key)) ?? null,
    setItem: (key, value) => void items.set(String(key), String(value)),
    removeItem: (key) => void items.delete(String(key)),
    clear: () => items.clear(),
  };
}

/**
 * Defines a global even where Node already has a read-only one (`navigator` in Node 21+).
 * @param {string} name
 * @param {unknown} value
 */
function defineGlobal(name, value) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: true });
}

/**
 * Must run before the SDK is imported: the engine picks its platform and reads globals at load time.
 * @param {NetworkObserver} observer
 */
export function installBrowserEnvironment(observer) {
  const ignoreListener = () => {};
  defineGlobal('window', globalThis);
  defineGlobal('location', new URL('http://127.0.0.1/parley-official-sdk-test.html'));
  defineGlobal('localStorage', createMemoryStorage());
  defineGlobal('sessionStorage', createMemoryStorage());
  defineGlobal('navigator', {
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    onLine: true,
  });
  defineGlobal('document', {
    visibilityState: 'visible',
    addEventListener: ignoreListener,
    removeEventListener: ignoreListener,
  });
  defineGlobal('addEventListener', ignoreListener);
  defineGlobal('removeEventListener', ignoreListener);
  defineGlobal('XMLHttpRequest', createConfinedXMLHttpRequest(observer));
  defineGlobal('WebSocket', createConfinedWebSocket(observer));
  defineGlobal('fetch', createConfinedFetch(observer, globalThis.fetch));
}
