// One simulated user: the official RongCloud Web SDK (a singleton, hence one process per user),
// driven by the parent test process over Node IPC (the messages are in ../sdk-child/child-ipc.mjs).
// See official-client.ts for the parent side.

import { installBrowserEnvironment } from './browser-env.mjs';
import { emitEvent, reportErrorsAndConsole, serveCommands, showSdkLogs } from '../sdk-child/child-ipc.mjs';

// Without a parent there is nobody to drive this process, so it never outlives the test run.
process.on('disconnect', () => process.exit(0));

reportErrorsAndConsole();

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

/** @type {Record<string, import('../sdk-child/child-ipc.mjs').Command>} */
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

  /** Without an SDK disconnect; the child leaves once this reply is out, so the parent hears it. */
  exit() {
    return null;
  },
};

serveCommands(commands, { afterReply: { exit: () => process.exit(0) } });
