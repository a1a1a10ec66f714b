import { browserEnvironment } from '../browser-environment.js';
import { TabHost, watchTabLock } from './tab-host.js';
import { appKeyOfWorkerName, hostLockName, isEnvelope, randomId, type Envelope, type HostToTab } from './tab-protocol.js';

/**
 * The shared worker's script (built to dist/browser/parley-shared-worker.js, the app passes its URL
 * as InitOptions.sharedWorkerUrl): one per App Key and origin, named by tab-protocol.ts. It hosts
 * the shared connections once it holds the host lock, and says so to every tab that connects.
 */
interface SharedWorkerScope {
  name: string;
  onconnect: ((event: MessageEvent) => void) | null;
}

const scope = globalThis as unknown as SharedWorkerScope;
const appKey = appKeyOfWorkerName(scope.name);
const id = randomId();
const portOf = new Map<string, MessagePort>();
const ports = new Set<MessagePort>();
let hosting = false;

const host = new TabHost(
  {
    send: (tab: string, message: HostToTab) => portOf.get(tab)?.postMessage({ parley: 'host', to: tab, message } satisfies Envelope),
    watchTab: (tab, gone) =>
      watchTabLock(navigator.locks)(tab, () => {
        const port = portOf.get(tab);
        if (port) ports.delete(port);
        portOf.delete(tab);
        gone();
      }),
  },
  browserEnvironment,
);

const announce = (port: MessagePort) => port.postMessage({ parley: 'host', to: undefined, message: { kind: 'host-up', host: id } } satisfies Envelope);

scope.onconnect = (event: MessageEvent) => {
  const port = event.ports[0];
  if (!port || appKey === undefined) return;
  port.onmessage = (message: MessageEvent) => {
    const envelope: unknown = message.data;
    if (!isEnvelope(envelope) || envelope.parley !== 'tab') return;
    if (envelope.message.kind === 'hello') portOf.set(envelope.message.tab, port);
    host.receive(envelope.message);
  };
  port.start();
  ports.add(port);
  if (hosting) announce(port);
};

if (appKey !== undefined) {
  // The tabs wait on this lock to learn that this worker ended.
  void navigator.locks.request(hostLockName(appKey), () => {
    hosting = true;
    for (const port of ports) announce(port);
    return new Promise<never>(() => undefined);
  });
}
