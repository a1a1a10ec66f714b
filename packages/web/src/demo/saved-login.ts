/**
 * The login of this tab, kept in sessionStorage: a reload reconnects with the same token, while
 * another tab stays free to be another user. The device id is not kept: a duplicated tab (which
 * copies sessionStorage) is then a second device that kicks the first with a clear prompt, rather
 * than the same device taking the session back and forth.
 */
export interface SavedLogin {
  appKey: string;
  userId: string;
  token: string;
  groupId: string | undefined;
}

const LOGIN_KEY = 'parley-demo-login';

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
}
