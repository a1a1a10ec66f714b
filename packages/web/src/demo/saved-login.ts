/**
 * The login of this tab, kept in sessionStorage: a reload reconnects with the same token, while
 * another tab stays free to be another user. Tabs of one user (a duplicated tab copies
 * sessionStorage) share one connection through the SDK (shared-worker.ts).
 */
export interface SavedLogin {
  appKey: string;
  userId: string;
  token: string;
  groupId: string | undefined;
}

const LOGIN_KEY = 'parley-demo-login';
/** The chatroom this tab is in: a reload joins it again, as the SDK does after a reconnect. */
const ROOM_KEY = 'parley-demo-room';

export function loadLogin(): SavedLogin | undefined {
  try {
    const saved = JSON.parse(sessionStorage.getItem(LOGIN_KEY) ?? 'null') as SavedLogin | null;
    return saved && typeof saved.token === 'string' && typeof saved.userId === 'string' && typeof saved.appKey === 'string' ? saved : undefined;
  } catch {
    return undefined;
  }
}

export function saveLogin(login: SavedLogin): void {
  sessionStorage.setItem(LOGIN_KEY, JSON.stringify(login));
}

export function forgetLogin(): void {
  sessionStorage.removeItem(LOGIN_KEY);
  sessionStorage.removeItem(ROOM_KEY);
}

export function loadRoom(): string | undefined {
  return sessionStorage.getItem(ROOM_KEY) ?? undefined;
}

export function saveRoom(roomId: string | undefined): void {
  if (roomId === undefined) sessionStorage.removeItem(ROOM_KEY);
  else sessionStorage.setItem(ROOM_KEY, roomId);
}
