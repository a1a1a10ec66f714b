/**
 * The storage port. SQLite (single node) and PostgreSQL (cluster mode) implement it; core code
 * sees only these types. Every method is async so that both backends fit the same shape.
 */
export type AppState = 'active' | 'blocked' | 'deleted';
/** per-class: one connection per platform class; single: one per user; multi: up to maxDevices. */
export type DevicePolicy = 'per-class' | 'single' | 'multi';
/** compatible: accepts the repeated nonce the official server SDK sends; strict: ±5 min, no replay. */
export type SignatureMode = 'compatible' | 'strict';

export interface AppRecord {
  appKey: string;
  appSecret: string;
  name: string;
  state: AppState;
  /** 0 means tokens never expire. */
  tokenLifetimeSeconds: number;
  devicePolicy: DevicePolicy;
  /** Used by the `multi` policy. */
  maxDevices: number;
  /** Origins (host or host:port) allowed to connect from browsers; empty allows any. */
  safeDomains: string[];
  signatureMode: SignatureMode;
  /** Server API calls per second for this app. */
  apiRateLimit: number;
  createdAt: number;
  updatedAt: number;
}

export type AppSettings = Pick<
  AppRecord,
  'name' | 'tokenLifetimeSeconds' | 'devicePolicy' | 'maxDevices' | 'safeDomains' | 'signatureMode' | 'apiRateLimit'
>;

export interface UserRecord {
  appKey: string;
  userId: string;
  name: string;
  portraitUri: string;
  createdAt: number;
  /** Tokens issued before this instant (ms) are expired; 0 when never set. */
  tokensValidAfter: number;
  /** The ban ends at this instant (ms); 0 or a past instant means not blocked. */
  blockedUntil: number;
  deactivated: boolean;
}

export interface UserProfile {
  name?: string;
  portraitUri?: string;
}

export interface AppRepository {
  insert(app: AppRecord): Promise<void>;
  get(appKey: string): Promise<AppRecord | undefined>;
  list(): Promise<AppRecord[]>;
  update(appKey: string, changes: Partial<Omit<AppRecord, 'appKey' | 'createdAt'>>): Promise<AppRecord | undefined>;
}

export interface UserRepository {
  /** Creates the user or updates the given profile fields; returns the stored record. */
  upsertProfile(appKey: string, userId: string, profile: UserProfile, now: number): Promise<UserRecord>;
  get(appKey: string, userId: string): Promise<UserRecord | undefined>;
  /** Updates the given profile fields of an existing user; false when there is no such user. */
  updateProfile(appKey: string, userId: string, profile: UserProfile): Promise<boolean>;
  /** Sets a per-user field for several users at once, creating users that do not exist yet. */
  setTokensValidAfter(appKey: string, userIds: string[], instant: number, now: number): Promise<void>;
  setBlockedUntil(appKey: string, userIds: string[], instant: number, now: number): Promise<void>;
  setDeactivated(appKey: string, userIds: string[], deactivated: boolean, now: number): Promise<void>;
  /** Users whose ban ends after `now`, ordered by userId. */
  listBlocked(appKey: string, now: number, page: { offset: number; limit: number }): Promise<UserRecord[]>;
}

export interface Store {
  readonly apps: AppRepository;
  readonly users: UserRepository;
  /** Cheap round trip used by /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
