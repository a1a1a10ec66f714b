// One simulated user: the official RongCloud Web SDK (a singleton, hence one process per user),
// driven by the parent test process over Node IPC. See official-client.ts for the parent side.
//
// Parent → child: { type: 'command', id, name, args }
// Child → parent: { type: 'ready' } once the SDK is loaded,
//                 { type: 'reply', id, ok: true, value } or { type: 'reply', id, ok: false, error },
//                 { type: 'event', event, payload, at } for every SDK event and every network call.

import { format } from 'node:util';
import { installBrowserEnvironment } from './browser-env.mjs';

/**
 * @typedef {{ name: string, message: string, stack?: string }} ErrorDescription
 * @typedef {{ type: 'command', id: number, name: string, args: Record<string, unknown> }} CommandMessage
 */

const showSdkLogs = process.env.PARLEY_SDK_LOGS === '1';

/** @param {object} message */
function sendToParent(message) {
  if (process.connected) process.send?.(message);
}

/** @param {unknown} error @returns {ErrorDescription} */
function describeError(error) {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'NonError', message: String(error) };
}

/**
 * IPC carries JSON: SDK objects lose their methods, and values JSON cannot hold are converted.
 * @param {unknown} value
 */
function toSerialisable(value) {
  if (value === undefined) return null;
  try {
    return JSON.parse(
      JSON.stringify(value, (_key, item) => {
        if (typeof item === 'bigint') return item.toString();
        if (item instanceof Error) return describeError(item);
        return item;
      }),
    );
  } catch {
    return String(value);
  }
}

/** @param {string} event @param {unknown} payload */
function emitEvent(event, payload) {
  sendToParent({ type: 'event', event, payload: toSerialisable(payload), at: Date.now() });
}

// Without a parent there is nobody to drive this process, so it never outlives the test run.
process.on('disconnect', () => process.exit(0));

process.on('unhandledRejection', (reason) => {
  emitEvent('harness:error', { kind: 'unhandledRejection', ...describeError(reason) });
});
process.on('uncaughtException', (error) => {
  emitEvent('harness:error', { kind: 'uncaughtException', ...describeError(error) });
});

// The SDK writes to the console directly (e.g. "pb decode error!"): tests can assert on it, and it
// reaches the terminal only when asked for.
for (const level of /** @type {const} */ (['debug', 'log', 'info', 'warn', 'error'])) {
  const write = console[level].bind(console);
  console[level] = (...args) => {
    emitEvent('harness:console', { level, text: format(...args) });
    if (showSdkLogs) write(...args);
  };
}

installBrowserEnvironment({
  onHttpRequest: (request) => emitEvent('harness:http', request),
  onWebSocket: (socket) => emitEvent('harness:websocket', socket),
  onBlockedConnection: (connection) => emitEvent('harness:blocked-connection', connection),
});

const RongIMLib = await import('@rongcloud/imlib-next');

/** @param {{ code: number, msg?: string, data?: unknown }} result */
function sdkResult(result) {
  return { code: result.code, msg: result.msg, data: result.data };
}

/** @type {Record<string, (args: any) => Promise<unknown> | unknown>} */
const commands = {
  /** @param {{ appKey: string, navigators?: string[] } & Record<string, unknown>} args */
  init({ appKey, navigators, ...extraInitOptions }) {
    RongIMLib.init({
      appkey: appKey,
      ...(navigators ? { navigators } : {}),
      // Warnings still reach the parent as harness:console events; they are printed only on request.
      logOutputLevel: showSdkLogs ? RongIMLib.LogL.DEBUG : RongIMLib.LogL.WARN,
      ...extraInitOptions,
    });
    for (const eventName of new Set(Object.values(RongIMLib.Events))) {
      RongIMLib.addEventListener(eventName, (/** @type {unknown} */ payload) => emitEvent(eventName, payload));
    }
    return null;
  },

  /** @param {{ token: string }} args */
  async connect({ token }) {
    return sdkResult(await RongIMLib.connect(token));
  },

  async disconnect() {
    await RongIMLib.disconnect();
    return null;
  },

  /** @param {{ conversationType: number, targetId: string, text: string }} args */
  async sendMessage({ conversationType, targetId, text }) {
    const message = new RongIMLib.TextMessage({ content: text });
    return sdkResult(await RongIMLib.sendMessage({ conversationType, targetId }, message));
  },

  /**
   * @param {{ conversationType: number, targetId: string, timestamp?: number, count?: number, order?: 0 | 1 }} args
   */
  async getHistoryMessages({ conversationType, targetId, ...options }) {
    return sdkResult(await RongIMLib.getHistoryMessages({ conversationType, targetId }, options));
  },

  /** @param {{ count?: number, startTime?: number, order?: 0 | 1 }} options */
  async getConversationList(options) {
    return sdkResult(await RongIMLib.getConversationList(options));
  },
};

process.on('message', async (/** @type {CommandMessage} */ message) => {
  if (message?.type !== 'command') return;
  if (message.name === 'exit') {
    process.send?.({ type: 'reply', id: message.id, ok: true, value: null }, () => process.exit(0));
    return;
  }
  const command = commands[message.name];
  try {
    if (!command) throw new Error(`Unknown command "${message.name}"`);
    const value = await command(message.args ?? {});
    sendToParent({ type: 'reply', id: message.id, ok: true, value: toSerialisable(value) });
  } catch (error) {
    sendToParent({ type: 'reply', id: message.id, ok: false, error: describeError(error) });
  }
});

sendToParent({ type: 'ready' });
