// One simulated user: RongCloud's official Electron main-process SDK (`@rongcloud/electron`: a JS
// wrapper around their C++ protocol stack, which holds one connection per process, hence one process
// per user), driven over Node IPC by the parent test process the way an Electron renderer drives it
// (the messages are in ../sdk-child/child-ipc.mjs; SIGTERM ends it, disconnecting first). See
// native-client.ts for the parent side.

import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { emitEvent, reportErrorsAndConsole, serveCommands, showSdkLogs } from '../sdk-child/child-ipc.mjs';
import { CLOSED_LOOPBACK_HOST, CLOSED_LOOPBACK_PORT, isLoopbackHost } from '../sdk-child/loopback.mjs';

/** @typedef {{ isOk: boolean, code: number, msg?: string, data?: any }} WrapperResult */

const require = createRequire(import.meta.url);
/** The wrapper's log levels (its `LogL`). */
const LOG_LEVEL_WARN = 2;
const LOG_LEVEL_DEBUG = 4;
/** A conversation outside any channel (ultra groups have channels; these tests use none). */
const NO_CHANNEL = '';
// A disconnect waits for a connect in progress, and a connect the server never answers never ends
// (docs/protocol.md), so the exit does not wait for ever.
const DISCONNECT_BEFORE_EXIT_MS = 3_000;

reportErrorsAndConsole();

// ---------------------------------------------------------------------------------------------
// Network confinement, in place before the wrapper loads. The wrapper calls RongCloud's cloud
// control host at init, and its navigation, static-config, log-upload and proxy paths can reach
// others; the C++ stack dials only the server addresses it is handed.

/**
 * The options and callback of a `Socket#connect` call, in any of its forms; null for a Unix socket
 * or pipe, which never leaves the machine.
 * @param {unknown[]} args
 * @returns {{ options: net.TcpNetConnectOpts, callback?: () => void } | null}
 */
function tcpConnectArguments(args) {
  const [first, second, third] = Array.isArray(args[0]) ? args[0] : args;
  const callback = [second, third].find((item) => typeof item === 'function');
  if (typeof first === 'object' && first !== null) {
    return 'path' in first && first.path ? null : { options: /** @type {net.TcpNetConnectOpts} */ (first), callback };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return null;
  return { options: { port: Number(first), host: typeof second === 'string' ? second : 'localhost' }, callback };
}

// Every TCP socket made in JavaScript (HTTP, TLS, undici, the wrapper's SOCKS client) ends in
// `Socket#connect`, so confining it there leaves no path out; it runs before any DNS lookup.
const connectSocket = net.Socket.prototype.connect;
net.Socket.prototype.connect = /** @type {typeof connectSocket} */ (
  function (/** @type {unknown[]} */ ...args) {
    const target = tcpConnectArguments(args);
    if (!target) return connectSocket.apply(this, /** @type {any} */ (args));
    const host = target.options.host ?? 'localhost';
    const port = Number(target.options.port);
    const redirectedToClosedPort = !isLoopbackHost(host);
    emitEvent('harness:connection', {
      host,
      port,
      redirectedToClosedPort,
      sentTo: redirectedToClosedPort ? `${CLOSED_LOOPBACK_HOST}:${CLOSED_LOOPBACK_PORT}` : `${host}:${port}`,
    });
    if (!redirectedToClosedPort) return connectSocket.apply(this, /** @type {any} */ (args));
    const confined = { ...target.options, host: CLOSED_LOOPBACK_HOST, port: CLOSED_LOOPBACK_PORT };
    return target.callback ? connectSocket.call(this, confined, target.callback) : connectSocket.call(this, confined);
  }
);

/**
 * The URL of an `http(s).request` / `get` call, which takes a URL, options, or both.
 * @param {'http:' | 'https:'} defaultProtocol
 * @param {unknown[]} args
 */
function requestedUrl(defaultProtocol, args) {
  const [first, second] = args;
  const url = typeof first === 'string' || first instanceof URL ? String(first) : null;
  const given = url === null ? first : second;
  /** @type {http.RequestOptions} */
  const options = typeof given === 'object' && given !== null ? given : {};
  const method = (options.method ?? 'GET').toUpperCase();
  if (url !== null) return { url, method };
  const port = options.port ? `:${options.port}` : '';
  return { url: `${options.protocol ?? defaultProtocol}//${options.hostname ?? options.host ?? 'localhost'}${port}${options.path ?? '/'}`, method };
}

// The sockets below are confined already; this names what the SDK asked for, path and query included.
for (const [api, module] of /** @type {const} */ ([['http', http], ['https', https]])) {
  for (const name of /** @type {const} */ (['request', 'get'])) {
    const original = module[name];
    module[name] = /** @type {any} */ (
      (/** @type {unknown[]} */ ...args) => {
        const { url, method } = requestedUrl(`${api}:`, args);
        emitEvent('harness:http', { api, method, url, loopback: isLoopbackHost(new URL(url).hostname) });
        return /** @type {Function} */ (original).apply(module, args);
      }
    );
  }
}

const WRAPPER_PATH = require.resolve('@rongcloud/electron');
// The very module object the wrapper loads (Node keeps one per file), so wrapping it below reaches the wrapper.
const binding = require(join(dirname(WRAPPER_PATH), 'binding', `electron-${process.platform}-${process.arch}.node`));

/**
 * A `host:port` address (IPv6 in brackets) the C++ stack is about to dial, or the closed port.
 * @param {string} address
 */
function confineStackAddress(address) {
  const host = address.slice(0, Math.max(address.lastIndexOf(':'), 0)) || address;
  const redirectedToClosedPort = !isLoopbackHost(host);
  emitEvent('harness:stack-address', { address, redirectedToClosedPort });
  return redirectedToClosedPort ? `${CLOSED_LOOPBACK_HOST}:${CLOSED_LOOPBACK_PORT}` : address;
}

// The C++ stack's sockets are out of JavaScript's reach, but it dials only what `connectWithToken`
// hands it in the navigation JSON (`serverAddr`, or the older `server` / `backupServer` / `bs`
// lists), and the wrapper looks the binding's functions up at every call.
const connectWithToken = binding.connectWithToken;
binding.connectWithToken = (
  /** @type {string} */ token,
  /** @type {string} */ version,
  /** @type {string} */ naviJson,
  /** @type {unknown[]} */ ...rest
) => {
  const navi = JSON.parse(naviJson);
  navi.serverAddr = (navi.serverAddr ?? []).map((/** @type {{ addr: string }} */ entry) => ({ ...entry, addr: confineStackAddress(entry.addr) }));
  for (const key of ['server', 'backupServer', 'bs']) {
    if (typeof navi[key] === 'string' && navi[key]) navi[key] = navi[key].split(',').map(confineStackAddress).join(',');
  }
  return connectWithToken(token, version, JSON.stringify(navi), ...rest);
};

/** @type {(() => void)[]} */
const disconnectWaiters = [];
// The binding never calls back from `disconnect` (5.46.1 on linux-x64), so the wrapper's answer to a
// renderer's disconnect never comes; what there is to wait for is the wrapper calling the binding,
// which sends the DISCONNECT frame at once.
const disconnectStack = binding.disconnect;
binding.disconnect = (/** @type {unknown[]} */ ...args) => {
  const result = disconnectStack(...args);
  for (const resolve of disconnectWaiters.splice(0)) resolve();
  return result;
};

// ---------------------------------------------------------------------------------------------
// The `electron` stand-in. The wrapper needs only `ipcMain` (renderers talk to it there) and `app`
// (it destroys the stack on 'before-quit'). A `Module._load` hook is used rather than a module
// directory on NODE_PATH: it cannot lose to an `electron` package installed in node_modules, and
// this file keeps the very objects the wrapper listens on.

const ipcMain = new EventEmitter();
const app = new EventEmitter();
const Module = require('node:module');
const loadModule = Module._load;
Module._load = function (/** @type {string} */ request, /** @type {unknown[]} */ ...rest) {
  return request === 'electron' ? { ipcMain, app } : loadModule.call(this, request, ...rest);
};

const RCInit = require(WRAPPER_PATH);

/**
 * The renderer's `webContents` as the wrapper sees it: it answers and notifies through `send`, and
 * the wrapper listens for its 'destroyed' event.
 */
class RendererStandIn extends EventEmitter {
  /** @type {Map<string, (result: WrapperResult) => void>} */
  #pending = new Map();
  #nextCallId = 1;

  isDestroyed() {
    return false;
  }

  /** @param {string} channel @param {unknown[]} args */
  send(channel, ...args) {
    if (channel === '__RC_CHANNEL_RESULT_FROM_MAIN__') {
      const [callId, result] = args;
      const resolve = this.#pending.get(/** @type {string} */ (callId));
      this.#pending.delete(/** @type {string} */ (callId));
      resolve?.(/** @type {WrapperResult} */ (result));
    } else if (channel === '__RC_CHANNEL_NOTIFICATION_FROM_MAIN__') {
      const [name, ...payload] = args;
      emitEvent(/** @type {string} */ (name), payload);
    }
  }

  /**
   * A call the way the renderer library makes it; the wrapper answers on the result channel.
   * @param {string} method
   * @param {unknown[]} args
   * @returns {Promise<WrapperResult>}
   */
  callMain(method, ...args) {
    const callId = `${method}__${this.#nextCallId++}`;
    return new Promise((resolve) => {
      this.#pending.set(callId, resolve);
      ipcMain.emit('__RC_CHANNEL_CALL_MAIN__', { sender: this }, callId, method, ...args);
    });
  }

  /** @param {string} method @param {unknown[]} args */
  callMainSync(method, ...args) {
    /** @type {{ sender: RendererStandIn, returnValue?: unknown }} */
    const event = { sender: this };
    ipcMain.emit('__RC_CHANNEL_CALL_MAIN_SYNC__', event, method, ...args);
    return event.returnValue;
  }

  /** A call id for the wrapper's "message stored, about to send" notice, which tests do not need. */
  unansweredCallId() {
    return `unanswered__${this.#nextCallId++}`;
  }
}

const renderer = new RendererStandIn();
let initialised = false;

/** @param {WrapperResult} result */
const resultCode = (result) => ({ code: result.code, ...(result.isOk ? {} : { msg: result.msg }) });

/** @param {number} conversationType @param {string} targetId */
const conversation = (conversationType, targetId) => ({ conversationType, targetId, channelId: NO_CHANNEL });

/**
 * A renderer's disconnect (closing the database, as the wrapper always does); settles once the
 * wrapper has handed it to the stack, or has answered, whichever comes first.
 * @param {boolean} disablePush
 * @returns {Promise<void>}
 */
function disconnectThroughWrapper(disablePush) {
  return new Promise((resolve) => {
    disconnectWaiters.push(resolve);
    void renderer.callMain('disconnect', true, disablePush).then(() => resolve());
  });
}

/** @type {Record<string, import('../sdk-child/child-ipc.mjs').Command>} */
const commands = {
  /** @param {{ appKey: string, navigators: string[], dbPath: string, deviceId?: string }} args */
  init({ appKey, navigators, dbPath, deviceId }) {
    RCInit({
      appkey: appKey,
      dbpath: dbPath,
      logOutputLevel: showSdkLogs ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN,
      // Log reports go to RongCloud, through a process of their own that this file does not confine.
      disableLogReport: true,
    });
    initialised = true;
    // The wrapper set a random device id of its own; the stack sends whatever it was given last.
    if (deviceId) binding.setDeviceId(deviceId);
    // A renderer registers with the commit id of the wrapper build it belongs to, which the wrapper
    // hands out in its cache; renderers of another build are ignored.
    const { commitId } = /** @type {{ commitId: string }} */ (renderer.callMainSync('getMainProcessCache'));
    ipcMain.emit('__RC_INNER_COMMAND_INIT__', { sender: renderer }, { commitId, navigators });
    return null;
  },

  /** @param {{ token: string }} args */
  async connect({ token }) {
    const reconnectKickEnable = false;
    const openCallPlus = false;
    const result = await renderer.callMain('connect', token, reconnectKickEnable, openCallPlus);
    return { ...resultCode(result), ...(result.isOk ? { userId: result.data } : {}) };
  },

  async disconnect() {
    await disconnectThroughWrapper(false);
    return null;
  },

  /** A disconnect that also stops pushes to this device: the native SDKs' logout. */
  async logout() {
    await disconnectThroughWrapper(true);
    return null;
  },

  /** @param {{ conversationType: number, targetId: string, text: string }} args */
  async sendText({ conversationType, targetId, text }) {
    const traceId = undefined;
    const result = await renderer.callMain(
      'sendMessage',
      conversation(conversationType, targetId),
      { messageType: 'RC:TxtMsg', content: { content: text } },
      traceId,
      renderer.unansweredCallId(),
    );
    return { ...resultCode(result), messageUId: result.data?.messageUId, sentTime: result.data?.sentTime, message: result.data };
  },

  /** @param {{ conversationType: number, targetId: string, messageUId: string, sentTime: number }} args */
  async recallMessage({ conversationType, targetId, messageUId, sentTime }) {
    const result = await renderer.callMain('recallMsg', conversation(conversationType, targetId), { messageUId, sentTime });
    return { ...resultCode(result), message: result.data };
  },

  /** @param {{ conversationType: number, targetId: string, messageUId: string, content: Record<string, unknown> }} args */
  async modifyMessage({ conversationType, targetId, messageUId, content }) {
    const result = await renderer.callMain('modifyMessageWithParams', { messageUId, messageContent: content, conversation: conversation(conversationType, targetId) });
    return resultCode(result);
  },

  /**
   * Any message type, as the wrapper sends it: a status message (`RC:TypSts`) goes on the status topics.
   * @param {{ conversationType: number, targetId: string, messageType: string, content: Record<string, unknown> }} args
   */
  async sendMessage({ conversationType, targetId, messageType, content }) {
    const traceId = undefined;
    const result = await renderer.callMain('sendMessage', conversation(conversationType, targetId), { messageType, content }, traceId, renderer.unansweredCallId());
    return { ...resultCode(result), message: result.data };
  },

  /**
   * Deletes messages on the server for this user (the wrapper's deleteRemoteMessage).
   * @param {{ conversationType: number, targetId: string, messages: { messageUId: string, sentTime: number, messageDirection: number }[] }} args
   */
  async deleteRemoteMessages({ conversationType, targetId, messages }) {
    return resultCode(await renderer.callMain('deleteRemoteMessage', conversation(conversationType, targetId), messages));
  },

  /**
   * Clears this user's history on the server through `timestamp` (the wrapper's deleteRemoteMessageByTimestamp).
   * @param {{ conversationType: number, targetId: string, timestamp: number }} args
   */
  async clearRemoteHistoryMessages({ conversationType, targetId, timestamp }) {
    return resultCode(await renderer.callMain('deleteRemoteMessageByTimestamp', conversation(conversationType, targetId), timestamp));
  },

  /**
   * @param {{ conversationType: number, targetId: string, timestamp: number, count: number, order: 0 | 1 }} args
   */
  async getRemoteHistoryMessages({ conversationType, targetId, timestamp, count, order }) {
    const isLocal = false;
    const result = await renderer.callMain('getHistoryMessage', conversation(conversationType, targetId), { timestamp, count, order }, isLocal);
    return { ...resultCode(result), list: result.data?.list ?? [], hasMore: result.data?.hasMore ?? false };
  },

  /**
   * A chatroom call of the wrapper (`joinChatroom(roomId, count, createIfMissing)`, `quitChatroom`,
   * `getChatroomInfo`, `getChatroomHistoryMessages`), with its arguments as the main process takes them.
   * @param {{ method: string, args: unknown[] }} args
   */
  async chatroom({ method, args }) {
    if (!/^(joinChatroom|quitChatroom|getChatroomInfo|getChatroomHistoryMessages)$/.test(method)) throw new Error(`not a chatroom call: ${method}`);
    const result = await renderer.callMain(method, ...args);
    return { ...resultCode(result), data: result.data };
  },

  /**
   * An online status subscription call of the wrapper (`subscribeUser`, `unSubscribeUser`,
   * `getSubscribeUsersOnlineStatus`), with its arguments as the main process takes them.
   * @param {{ method: string, args: unknown[] }} args
   */
  async userStatus({ method, args }) {
    if (!/^(subscribeUser|unSubscribeUser|getSubscribeUsersOnlineStatus)$/.test(method)) throw new Error(`not a status call: ${method}`);
    const result = await renderer.callMain(method, ...args);
    return { ...resultCode(result), data: result.data };
  },

  /**
   * The stack's own debug log (its C++ log and the wrapper's, kept in the stack's log database).
   * @param {{ sinceMs?: number, count?: number }} args
   */
  getLog({ sinceMs = 0, count = 1_000 }) {
    return new Promise((resolve, reject) => {
      binding.getLog(
        // Entries up to this level, i.e. all of them.
        LOG_LEVEL_DEBUG,
        sinceMs,
        Date.now() + 1_000,
        count,
        (/** @type {string} */ json) => resolve(JSON.parse(json)),
        (/** @type {number} */ code) => reject(new Error(`getLog failed with code ${code}`)),
      );
    });
  },
};

/** @type {Promise<void> | null} */
let exiting = null;

/**
 * The binding crashes the process at exit unless the stack was disconnected, then destroyed (seen:
 * SIGSEGV at a bare exit, SIGABRT after a destroy without disconnect), so every way out does both,
 * the destroy through the wrapper as an Electron app's quit does.
 */
function exitCleanly() {
  exiting ??= (async () => {
    if (initialised) {
      let timer;
      await Promise.race([
        disconnectThroughWrapper(false),
        new Promise((resolve) => (timer = setTimeout(resolve, DISCONNECT_BEFORE_EXIT_MS))),
      ]);
      clearTimeout(timer);
      app.emit('before-quit');
    }
    process.exit(0);
  })();
  return exiting;
}

// Without a parent there is nobody to drive this process, so it never outlives the test run.
process.on('disconnect', exitCleanly);
process.on('SIGTERM', exitCleanly);

serveCommands(commands);
