/** Options of `init(appKey, options)`. */
export interface ProxySetting {
  type: 'socks5' | 'http';
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export interface InitOptions {
  /** Navigation servers (`http://host:port`), tried after the ones a token names after its `@`. */
  navigators?: string[];
  /** Node: the folder for the local SQLite databases (default `./parley-data`). */
  dataDir?: string;
  /** The device class for the server's multi-device policy (default: `web` in browsers, `desktop` in Node). */
  platform?: 'web' | 'desktop' | 'mobile' | 'server';
  /** A stable id for this device; a random one per client otherwise. */
  deviceId?: string;
  /** Node: reach the server through a SOCKS5 or HTTP CONNECT proxy. */
  proxy?: ProxySetting;
  /** On a reconnect, be refused (31023) rather than kick a same-class device that logged in meanwhile. */
  reconnectKickEnable?: boolean;
  /** Keepalive ping interval in seconds (default 15). */
  keepAliveSeconds?: number;
  /**
   * Browsers: every IMClient of this App Key and user in this origin shares one connection, one
   * local database and one send queue (default true; README, "One user, many tabs"). False: this
   * client has a connection of its own.
   */
  shareConnection?: boolean;
  /**
   * Browsers: the URL of `@parley/client/shared-worker` (dist/browser/parley-shared-worker.js) as
   * the app serves it. With it, a shared worker holds the shared connection; without it (or where
   * SharedWorker is missing), one of the tabs does.
   */
  sharedWorkerUrl?: string;
}
