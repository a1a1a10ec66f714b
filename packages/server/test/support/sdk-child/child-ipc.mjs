// The child side shared by the harnesses that run an official RongCloud SDK in a child process
// (official-sdk/child.mjs, official-native/native-child.mjs), driven over Node IPC by the parent's
// sdk-child-process.ts.
//
// Parent → child: { type: 'command', id, name, args }
// Child → parent: { type: 'ready' } once the SDK is loaded,
//                 { type: 'reply', id, ok: true, value } or { type: 'reply', id, ok: false, error },
//                 { type: 'event', event, payload, at } for every SDK event and every network call.

import { format } from 'node:util';

/**
 * @typedef {{ name: string, message: string, stack?: string }} ErrorDescription
 * @typedef {{ type: 'command', id: number, name: string, args: Record<string, unknown> }} CommandMessage
 * @typedef {(args: any) => Promise<unknown> | unknown} Command
 */

export const showSdkLogs = process.env.PARLEY_SDK_LOGS === '1';

/** @param {object} message @param {() => void} [sent] */
function sendToParent(message, sent) {
  if (process.connected) process.send?.(message, sent);
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
export function emitEvent(event, payload) {
  sendToParent({ type: 'event', event, payload: toSerialisable(payload), at: Date.now() });
}

/**
 * Reports the child's unhandled errors (it keeps running) and everything written to the console as
 * events. The SDKs write to the console directly (the Web SDK's "pb decode error!", the Electron
 * SDK's log): tests can assert on it, and it reaches the terminal only when asked for.
 */
export function reportErrorsAndConsole() {
  process.on('unhandledRejection', (reason) => {
    emitEvent('harness:error', { kind: 'unhandledRejection', ...describeError(reason) });
  });
  process.on('uncaughtException', (error) => {
    emitEvent('harness:error', { kind: 'uncaughtException', ...describeError(error) });
  });
  for (const level of /** @type {const} */ (['debug', 'log', 'info', 'warn', 'error'])) {
    const write = console[level].bind(console);
    console[level] = (...args) => {
      emitEvent('harness:console', { level, text: format(...args) });
      if (showSdkLogs) write(...args);
    };
  }
}

/**
 * Answers the parent's commands with their results, then tells the parent the SDK is loaded.
 * @param {Record<string, Command>} commands
 * @param {{ afterReply?: Record<string, () => void> }} [options] what to do once a command's reply
 *   has gone out, by command name (leaving, say, which must not lose the reply)
 */
export function serveCommands(commands, { afterReply = {} } = {}) {
  process.on('message', async (/** @type {CommandMessage} */ message) => {
    if (message?.type !== 'command') return;
    const command = commands[message.name];
    let reply;
    try {
      if (!command) throw new Error(`Unknown command "${message.name}"`);
      const value = await command(message.args ?? {});
      reply = { type: 'reply', id: message.id, ok: true, value: toSerialisable(value) };
    } catch (error) {
      reply = { type: 'reply', id: message.id, ok: false, error: describeError(error) };
    }
    sendToParent(reply, afterReply[message.name]);
  });
  sendToParent({ type: 'ready' });
}
