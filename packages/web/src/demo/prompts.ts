import { ConnectionErrorCode as Code, ConnectionStatus } from '@parley/client/browser';

/** What the status badge says, in Chinese with English under it, and its colour. */
export interface StatusLabel {
  zh: string;
  en: string;
  tone: 'ok' | 'busy' | 'bad' | 'idle';
}

export const statusLabels: Record<ConnectionStatus, StatusLabel> = {
  [ConnectionStatus.CONNECTED]: { zh: '已连接', en: 'Connected', tone: 'ok' },
  [ConnectionStatus.CONNECTING]: { zh: '连接中…', en: 'Connecting', tone: 'busy' },
  [ConnectionStatus.SUSPEND]: { zh: '连接断开，正在重连…', en: 'Suspended, reconnecting', tone: 'busy' },
  [ConnectionStatus.NETWORK_UNAVAILABLE]: { zh: '网络不可用', en: 'Network unavailable', tone: 'bad' },
  [ConnectionStatus.UNCONNECTED]: { zh: '未连接', en: 'Disconnected', tone: 'idle' },
  [ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT]: { zh: '已被踢下线', en: 'Kicked offline', tone: 'bad' },
  [ConnectionStatus.TOKEN_INCORRECT]: { zh: 'Token 无效', en: 'Token incorrect', tone: 'bad' },
  [ConnectionStatus.CONN_USER_BLOCKED]: { zh: '用户被封禁', en: 'User blocked', tone: 'bad' },
  [ConnectionStatus.SIGN_OUT]: { zh: '已退出', en: 'Signed out', tone: 'idle' },
  [ConnectionStatus.TIMEOUT]: { zh: '连接超时', en: 'Timed out', tone: 'bad' },
};

/** The enum's own name for a status, used as the badge's `data-status` (tests and styling read it). */
export function statusName(status: ConnectionStatus): string {
  return Object.entries(ConnectionStatus).find(([, value]) => value === status)?.[0] ?? String(status);
}

export interface Prompt {
  title: string;
  zh: string;
  en: string;
  /** Offer to connect again (a timeout), rather than only going back to login. */
  retry?: boolean;
}

/**
 * What to tell the user when the connection ends for good. The Chinese texts follow the handling the
 * seeds (RongCloud's connect pages) prescribe for each code: back to the login page with a prompt
 * that says why.
 */
const prompts: Partial<Record<number, Prompt>> = {
  [Code.RC_DISCONN_KICK]: {
    title: '您已被踢下线',
    zh: '当前账号已在其他设备登录，本设备被踢下线。请返回登录页面重新登录。',
    en: 'Kicked offline: this account logged in on another device. Go back to the login page to log in again.',
  },
  [Code.RC_CONN_OTHER_DEVICE_LOGIN]: {
    title: '其他设备登录了当前账号',
    zh: '重连期间，其他设备登录了当前账号，本设备已下线。',
    en: 'Another device logged in to this account while this one was reconnecting.',
  },
  [Code.RC_CONN_USER_BLOCKED]: {
    title: '用户被封禁',
    zh: '您的账号已被封禁，无法连接聊天服务器。',
    en: 'This user is blocked and cannot connect.',
  },
  [Code.RC_DISCONN_USER_BLOCKED]: {
    title: '用户被封禁',
    zh: '您的账号已被封禁，已断开与聊天服务器的连接。',
    en: 'This user was blocked and has been disconnected.',
  },
  [Code.RC_CONN_TOKEN_INCORRECT]: {
    title: 'Token 无效',
    zh: 'Token 错误。请检查客户端初始化使用的 App Key 和应用服务器获取 Token 时使用的 App Key 是否一致。',
    en: 'Token incorrect: the App Key the client uses differs from the one the app server got the token with.',
  },
  [Code.RC_CONN_TOKEN_EXPIRE]: {
    title: 'Token 已过期',
    zh: 'Token 已过期，需要向应用服务器重新获取 Token 并再次连接。请返回登录页面。',
    en: 'Token expired: get a new token from the app server and connect again. Go back to the login page.',
  },
  [Code.RC_CONN_APP_BLOCKED_OR_DELETED]: {
    title: '应用被封禁或已删除',
    zh: '应用被封禁或已删除，请检查您使用的 App Key。',
    en: 'The app is blocked or deleted.',
  },
  [Code.RC_CONN_ID_REJECT]: {
    title: 'App Key 错误',
    zh: 'App Key 错误，请检查您使用的 App Key 是否正确。',
    en: 'Unknown App Key.',
  },
  [Code.RC_CONN_NOT_AUTHRORIZED]: {
    title: 'App 校验未通过',
    zh: 'App 校验未通过：当前页面的域名不在应用的安全域名中。',
    en: "App check failed: this page's domain is not among the app's safe domains.",
  },
  [Code.RC_CONN_USER_DEACTIVATED]: {
    title: '用户已注销',
    zh: '该用户已被注销，无法连接。',
    en: 'This user is deactivated and cannot connect.',
  },
  [Code.RC_CONNECT_TIMEOUT]: {
    title: '连接超时',
    zh: '连接超时，请等待网络正常后再次连接。',
    en: 'Connection timed out: try again when the network is back.',
    retry: true,
  },
};

export function promptFor(code: number): Prompt {
  return prompts[code] ?? { title: '无法连接', zh: `无法连接到聊天服务器（错误码 ${code}）。`, en: `Could not connect to the chat server (code ${code}).` };
}

/** The seeds' name of a code, shown beside it. */
export function codeName(code: number): string {
  return Object.entries(Code).find(([, value]) => value === code)?.[0] ?? '';
}

/** Why a send was refused (the server's status codes), for the failed message's note. */
export function sendFailure(code: number): { zh: string; en: string } {
  switch (code) {
    case 26010:
      return { zh: '对方尚未注册（请先用该用户名登录一次）', en: 'The recipient is not registered yet (log in as them once)' };
    case 22406:
      return { zh: '您不在该群组中', en: 'You are not a member of this group' };
    case 20604:
      return { zh: '发送过于频繁', en: 'Sending too fast' };
    case 20115:
      return { zh: '消息过大', en: 'The message is too large' };
    default:
      return { zh: `发送失败（${code}）`, en: `Not sent (code ${code})` };
  }
}
