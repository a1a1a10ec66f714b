import type { InitOptions } from '../options.js';

/**
 * How a browser tab's IMClient gets its connection: through a shared worker, through the tab
 * elected leader (where SharedWorker is missing or no worker URL is given), or on its own. Both
 * shared ways need Web Locks (secure contexts only: https or localhost), by which the host's and
 * the tabs' deaths are learnt.
 */
export type SharingMode = 'shared-worker' | 'leader-tab' | 'own-connection';

export interface BrowserCapabilities {
  sharedWorker: boolean;
  broadcastChannel: boolean;
  locks: boolean;
}

export function sharingModeFor(options: Pick<InitOptions, 'shareConnection' | 'sharedWorkerUrl'>, has: BrowserCapabilities): SharingMode {
  if (options.shareConnection === false || !has.locks) return 'own-connection';
  if (has.sharedWorker && typeof options.sharedWorkerUrl === 'string' && options.sharedWorkerUrl !== '') return 'shared-worker';
  return has.broadcastChannel ? 'leader-tab' : 'own-connection';
}

export function browserCapabilities(): BrowserCapabilities {
  const scope = globalThis as { SharedWorker?: unknown; BroadcastChannel?: unknown; navigator?: { locks?: unknown } };
  return {
    sharedWorker: typeof scope.SharedWorker === 'function',
    broadcastChannel: typeof scope.BroadcastChannel === 'function',
    locks: typeof scope.navigator?.locks === 'object' && scope.navigator.locks !== null,
  };
}
