import { requestJson } from '../shared/http.js';

/** The demo's "app server": it asks Parley's Server API for the token, so the App Secret stays there. */
export function demoLogin(userId: string): Promise<{ appKey: string; userId: string; token: string }> {
  return requestJson('POST', '/demo/api/login', { userId });
}

export function joinDemoGroup(userId: string, groupId: string): Promise<{ groupId: string; members: string[] }> {
  return requestJson('POST', '/demo/api/group', { userId, groupId });
}
