import { bilingual, h } from '../shared/dom.js';
import { RequestError } from '../shared/http.js';

/** Results of console actions, newest on top; each fades after a while. */
export const noticeArea = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });

const SHOWN_MS = 12_000;

export function notify(kind: 'ok' | 'error', zh: string, en: string): void {
  const notice = h('div', { class: `notice ${kind}` }, bilingual(zh, en), h('button', { class: 'ghost', 'aria-label': 'Dismiss', onclick: () => notice.remove() }, '×'));
  noticeArea.prepend(notice);
  window.setTimeout(() => notice.remove(), SHOWN_MS);
}

export function notifyError(error: unknown): void {
  const message = error instanceof RequestError ? error.message : String(error);
  notify('error', `操作失败：${message}`, `Failed: ${message}`);
}
