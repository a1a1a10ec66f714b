import { requestJson } from '../shared/http.js';

/** The demo's "app server": it asks Parley's Server API for the token, so the App Secret stays there. */
export function demoLogin(userId: string): Promise<{ appKey: string; userId: string; token: string }> {
  return requestJson('POST', '/demo/api/login', { userId });
}

/** Joins the user the token names (the demo's app server checks it) to the group. */
export function joinDemoGroup(token: string, groupId: string): Promise<{ groupId: string }> {
  return requestJson('POST', '/demo/api/group', { groupId }, { authorization: `Bearer ${token}` });
}
