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

  /**
   * A text message with send options (`canIncludeExpansion`, `expansion`, ...).
   * @param {{ conversationType: number, targetId: string, text: string, options: Record<string, unknown> }} args
   */
  async sendTextWithOptions({ conversationType, targetId, text, options }) {
    const message = new RongIMLib.TextMessage({ content: text });
    return sdkResult(await RongIMLib.sendMessage({ conversationType, targetId }, message, options));
  },

  /** @param {{ conversationType: number, targetId: string, options: { messageUId: string, sentTime: number } & Record<string, unknown> }} args */
  async recallMessage({ conversationType, targetId, options }) {
    return sdkResult(await RongIMLib.recallMessage({ conversationType, targetId }, options));
  },

  /** @param {{ conversationType: number, targetId: string, messageUId: string, content: Record<string, unknown> }} args */
  async modifyMessage({ conversationType, targetId, messageUId, content }) {
    return sdkResult(await RongIMLib.modifyMessageWithParams({ messageUId, messageContent: content, conversation: { conversationType, targetId } }));
  },

  /** @param {{ expansion: Record<string, string>, message: any }} args */
  async updateMessageExpansion({ expansion, message }) {
    return sdkResult(await RongIMLib.updateMessageExpansion(expansion, message));
  },

  /** @param {{ keys: string[], message: any }} args */
  async removeMessageExpansionForKey({ keys, message }) {
    return sdkResult(await RongIMLib.removeMessageExpansionForKey(keys, message));
  },

  /**
   * A text message with a whole body (`mentionedInfo`, ...) and send options (`isMentioned`, `directionalUserIdList`, ...).
   * @param {{ conversationType: number, targetId: string, body: { content: string } & Record<string, unknown>, options?: Record<string, unknown> }} args
   */
  async sendTextBody({ conversationType, targetId, body, options }) {
    return sdkResult(await RongIMLib.sendMessage({ conversationType, targetId }, new RongIMLib.TextMessage(body), options));
  },

  /**
   * A message of an app-registered type (registerMessageType), e.g. a status message: neither
   * persisted nor counted, `isStatusMessage` set. Registering the same type again is harmless.
   * @param {{ conversationType: number, targetId: string, messageType: string, content: Record<string, unknown>, isPersited: boolean, isCounted: boolean, isStatusMessage: boolean }} args
   */
  async sendRegisteredMessage({ conversationType, targetId, messageType, content, isPersited, isCounted, isStatusMessage }) {
    const Message = RongIMLib.registerMessageType(messageType, isPersited, isCounted, [], isStatusMessage);
    return sdkResult(await RongIMLib.sendMessage({ conversationType, targetId }, new Message(content)));
  },

  /** @param {{ conversationType: number, targetId: string, typingContentType: string }} args */
  async sendTypingStatusMessage({ conversationType, targetId, typingContentType }) {
    return sdkResult(await RongIMLib.sendTypingStatusMessage({ conversationType, targetId }, typingContentType));
  },

  /** @param {{ targetId: string, messageUId: string, timestamp: number }} args */
  async sendReadReceiptMessage({ targetId, messageUId, timestamp }) {
    return sdkResult(await RongIMLib.sendReadReceiptMessage(targetId, messageUId, timestamp));
  },

  /** @param {{ targetId: string, messageUId: string }} args */
  async sendReadReceiptRequest({ targetId, messageUId }) {
    return sdkResult(await RongIMLib.sendReadReceiptRequest(targetId, messageUId));
  },

  /** @param {{ targetId: string, messageList: Record<string, string[]> }} args */
  async sendReadReceiptResponseV2({ targetId, messageList }) {
    return sdkResult(await RongIMLib.sendReadReceiptResponseV2(targetId, messageList));
  },

  /** @param {{ targetId: string, messageUId: string }} args */
  async getMessageReader({ targetId, messageUId }) {
    return sdkResult(await RongIMLib.getMessageReader(targetId, messageUId));
  },

  /** @param {{ conversationType: number, targetId: string }} args */
  async markRemoteConversationAsRead({ conversationType, targetId }) {
    return sdkResult(await RongIMLib.markRemoteConversationAsRead({ conversationType, targetId }));
  },

  /** @param {{ conversationType: number, targetId: string }} args */
  async clearMessagesUnreadStatus({ conversationType, targetId }) {
    return sdkResult(await RongIMLib.clearMessagesUnreadStatus({ conversationType, targetId }));
  },

  /** @param {{ conversationType: number, targetId: string }} args */
  async getUnreadCount({ conversationType, targetId }) {
    return sdkResult(await RongIMLib.getUnreadCount({ conversationType, targetId }));
  },

  /** @param {{ conversationType: number, targetId: string }} args */
  async getConversation({ conversationType, targetId }) {
    return sdkResult(await RongIMLib.getConversation({ conversationType, targetId }));
  },

  /** @param {{ conversationType: number, targetId: string, messages: { messageUId: string, sentTime: number, messageDirection: number }[] }} args */
  async deleteMessages({ conversationType, targetId, messages }) {
    return sdkResult(await RongIMLib.deleteMessages({ conversationType, targetId }, messages));
  },

  /** @param {{ conversationType: number, targetId: string, timestamp: number }} args */
  async clearHistoryMessages({ conversationType, targetId, timestamp }) {
    return sdkResult(await RongIMLib.clearHistoryMessages({ conversationType, targetId }, timestamp));
  },

  /** @param {{ options: { conversationType: number, targetId: string, timestamp?: number }[] }} args */
  async batchClearRemoteHistoryMessages({ options }) {
    return sdkResult(await RongIMLib.batchClearRemoteHistoryMessages(options));
  },

  /**
   * A conversation-state call of the SDK (pin, notification level, removal, the top list), with its
   * arguments as the SDK takes them.
   * @param {{ method: string, args: unknown[] }} args
   */
  async conversationState({ method, args }) {
    if (!/^(setConversationToTop|batchSetConversationToTop|setConversationNotificationLevel|batchSetConversationNotificationLevel|getConversationNotificationLevel|getTopConversationList|removeConversation|batchDeleteConversations)$/.test(method)) {
      throw new Error(`not a conversation-state call: ${method}`);
    }
    return sdkResult(await /** @type {any} */ (RongIMLib)[method](...args));
  },

  /**
   * A chatroom call of the SDK (`joinChatRoom`, `quitChatRoom`, `getChatRoomInfo`, ...), with its
   * arguments as the SDK takes them.
   * @param {{ method: string, args: unknown[] }} args
   */
  async chatroom({ method, args }) {
    if (!/^(join|joinExist|quit|get|getAll|set|remove|forceSet|forceRemove)Chat[Rr]oom/.test(method)) throw new Error(`not a chatroom call: ${method}`);
    return sdkResult(await /** @type {any} */ (RongIMLib)[method](...args));
  },

  /**
   * An online status subscription call of the SDK (`subscribeUserStatus`, `unSubscribeUserStatus`,
   * `getSubscribeUserStatus`, `getSubscribeUserList`, `getSubscribeUsersOnlineStatus`), with its arguments as the SDK takes them.
   * @param {{ method: string, args: unknown[] }} args
   */
  async userStatus({ method, args }) {
    if (!/^(subscribeUserStatus|unSubscribeUserStatus|getSubscribeUserStatus|getSubscribeUserList|getSubscribeUsersOnlineStatus)$/.test(method)) throw new Error(`not a status call: ${method}`);
    return sdkResult(await /** @type {any} */ (RongIMLib)[method](...args));
  },

  /**
   * `sendImageMessage` or `sendFileMessage` with a File made of the given bytes; what the SDK
   * reports to its `onProgress` hook arrives as `harness:upload-progress` events.
   * @param {{ kind: 'image' | 'file', conversationType: number, targetId: string, base64: string, name: string, type: string }} args
   */
  async sendMediaMessage({ kind, conversationType, targetId, base64, name, type }) {
    if (kind === 'image') installImageStandIns();
    const file = new globalThis.File([Buffer.from(base64, 'base64')], name, { type });
    const hooks = { onProgress: (/** @type {number} */ progress) => emitEvent('harness:upload-progress', progress) };
    const send = kind === 'image' ? RongIMLib.sendImageMessage : RongIMLib.sendFileMessage;
    return sdkResult(await send({ conversationType, targetId }, { file }, hooks));
  },

  /** Without an SDK disconnect; the child leaves once this reply is out, so the parent hears it. */
  exit() {
    return null;
  },
};

/**
 * The SDK makes an image message's thumbnail with a canvas and an Image, which Node lacks: these
 * stand-ins decode nothing and draw a fixed 1x1 JPEG, which is all the SDK needs to send.
 */
function installImageStandIns() {
  const THUMBNAIL = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////2wBDAf//////////////////////////////////////////////////////////////////////////////////////wAARCAABAAEDASIAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAACP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAUAQEAAAAAAAAAAAAAAAAAAAAA/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AKp//2Q==';
  const doc = /** @type {any} */ (globalThis.document);
  doc.createElement = (/** @type {string} */ tag) => {
    if (tag !== 'canvas') throw new Error(`no stand-in for <${tag}>`);
    return { width: 0, height: 0, getContext: () => ({ drawImage: () => undefined }), toDataURL: () => THUMBNAIL };
  };
  /** @type {any} */ (globalThis).Image = class {
    width = 1;
    height = 1;
    /** @type {null | ((event: unknown) => void)} */
    onload = null;
    set src(/** @type {string} */ _url) {
      setTimeout(() => this.onload?.({}), 0);
    }
  };
}

serveCommands(commands, { afterReply: { exit: () => process.exit(0) } });
