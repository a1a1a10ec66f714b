import { ConnectionStatus, ConversationType, IMClient, IMError, type Message } from '@parley/client/browser';
import { sharedWorkerUrl } from './shared-worker.js';
import { ConversationType as WireConversationType, MessageDirection, USER_ID_PATTERN_SOURCE, USER_ID_RULE } from '@parley/protocol';
import { bilingual, clock, fill, h, svg } from '../shared/dom.js';
import { RequestError } from '../shared/http.js';
import { joinDemoGroup } from './demo-api.js';
import { codeName, promptFor, sendFailure, statusLabels, statusName } from './prompts.js';
import { loadRoom, saveRoom, type SavedLogin } from './saved-login.js';

/** Names offered as one-click choices, so two tabs can start talking at once. */
export const DEMO_NAMES = ['alice', 'bob', 'carol', 'dave'];
const HISTORY_PAGE = 50;
/** How long the page's online status subscriptions last; each connect renews them. */
const PRESENCE_SECONDS = 24 * 3600;
/** Seconds a first login may take; a reload (the user is known locally) keeps trying instead, as the seeds advise. */
const FIRST_LOGIN_TIME_LIMIT = 10;
/** The client's ConversationType leaves chatrooms out, though their messages carry this type. */
const CHATROOM = WireConversationType.CHATROOM;
/** The public chatroom the demo offers: anyone logged in can join it and talk to whoever is there. */
export const DEMO_ROOM = 'plaza';
/** Recent messages shown on joining the room (the server keeps its newest 50). */
const ROOM_RECENT = 20;
/** Room messages the page keeps: the SDK stores none, so they live in this page alone. */
const ROOM_KEEP = 200;
/** The server sends no notice when members come and go: the count is asked for this often. */
const ROOM_INFO_EVERY_MS = 5000;

interface ConversationItem {
  type: number;
  targetId: string;
  latest: Message | undefined;
  /** Unread as the SDK counts it: kept by the server, so the same on every device of the user. */
  unread: number;
  /** Pinned: kept by the server, so the same on every device of the user. */
  isTop: boolean;
}

/** The demo's chatroom while this page is in it (or joining it). */
interface JoinedRoom {
  item: ConversationItem;
  /** Shown as the thread while the room is open: the same array, so live messages land in both. */
  entries: Entry[];
  /** From the join, then from getChatRoomInfo; undefined while joining. */
  members: number | undefined;
}

interface Entry {
  /** The server's UID; '' until acked. */
  uid: string;
  /** The SDK's id of a message, the same for its local, acked and synced copies; `pending:N` until the SDK says it. */
  clientId: string;
  senderUserId: string;
  mine: boolean;
  text: string;
  sentTime: number;
  state: 'sent' | 'sending' | 'failed';
  note?: { zh: string; en: string };
  /** An image message's picture (the URL it carries; http(s) only). */
  imageUrl?: string;
}

const keyOf = (type: number, targetId: string) => `${type}:${targetId}`;
const ROOM_CONVERSATION = keyOf(CHATROOM, DEMO_ROOM);

/**
 * The chat page: one IMClient for the logged-in user, the conversation list and history from the
 * local database, live messages, and the connection status as the SDK reports it.
 */
export class ChatPage {
  private readonly client = new IMClient();
  private readonly conversations = new Map<string, ConversationItem>();
  private selected: string | undefined;
  private entries: Entry[] = [];
  private ended = false;
  private pendingId = 0;
  private readonly baseTitle = document.title;
  /** Private peers' online status, from the server's subscriptions (undefined: not known yet). */
  private readonly online = new Map<string, boolean>();
  /** Pins as the SDK last said them: a synced pin may come before its conversation's messages do. */
  private readonly pins = new Map<string, boolean>();
  private room: JoinedRoom | undefined;
  private roomTimer: ReturnType<typeof setInterval> | undefined;

  private readonly badge = h('span', { class: 'badge', 'data-testid': 'status', role: 'status', 'aria-live': 'polite' });
  private readonly banner = h('div', { class: 'banner', hidden: true });
  private readonly list = h('ul', { class: 'conversation-list', 'aria-label': 'Conversations' });
  private readonly lobby = h('div', { class: 'lobby' });
  /** Why the last pin, join or leave failed. */
  private readonly sidebarNotice = h('p', { class: 'form-error sidebar-notice', role: 'alert', hidden: true });
  private readonly threadTitle = h('h2', { class: 'thread-title' });
  private readonly threadActions = h('div', { class: 'thread-actions' });
  private readonly attachButton = h('button', { type: 'button', class: 'attach', onclick: () => this.imagePicker.click() }, '图片 Image');
  private readonly messageList = h('ol', { class: 'messages', 'aria-live': 'polite' });
  private readonly composerInput = h('input', { name: 'text', autocomplete: 'off', maxlength: 2000, placeholder: '输入消息 · Type a message', 'aria-label': 'Message' });
  private readonly composer = h(
    'form',
    { class: 'composer', onsubmit: (event: Event) => this.onSend(event) },
    this.composerInput,
    this.attachButton,
    h('button', { class: 'primary', type: 'submit' }, '发送 Send'),
  );
  private readonly imagePicker = h('input', { type: 'file', accept: 'image/*', hidden: true, 'aria-label': 'Attach image', onchange: () => this.onAttach() });

  constructor(
    private readonly root: HTMLElement,
    private readonly login: SavedLogin,
    private readonly leave: (userId: string) => void,
  ) {}

  /** `firstLogin`: the token is fresh from the login form, so connect with a time limit. */
  start(firstLogin: boolean): void {
    this.render();
    this.showStatus(ConnectionStatus.CONNECTING);
    if (this.login.groupId) this.remember(ConversationType.GROUP, this.login.groupId, undefined);
    this.client.init(this.login.appKey, { sharedWorkerUrl });
    this.client.addConnectionStatusListener((status, code) => {
      // Logged out in another tab of this user, on the connection they share: out here too.
      if (status === ConnectionStatus.SIGN_OUT && !this.ended) return this.signedOutElsewhere();
      this.showStatus(status);
      // Outside the reconnect cycle, a status that comes with a code is where the SDK stopped for good.
      const reconnecting = status === ConnectionStatus.CONNECTING || status === ConnectionStatus.SUSPEND;
      if (!reconnecting && code !== undefined) this.end(code);
    });
    this.client.addMessageListener((messages) => this.onMessages(messages));
    this.client.addUserStatusListener((status) => {
      this.online.set(status.userId, status.isOnline);
      this.renderList();
    });
    // Pins made here come back through this too, as do those made on the user's other devices.
    this.client.addConversationStateListener((states) => {
      for (const state of states) {
        const key = keyOf(state.conversationType, state.targetId);
        this.pins.set(key, state.isTop);
        const item = this.conversations.get(key);
        if (item) item.isTop = state.isTop;
      }
      this.renderList();
    });
    this.client.connect(this.login.token, firstLogin ? FIRST_LOGIN_TIME_LIMIT : 0, this.login.userId, {
      // The local database is open before any network I/O: show what this browser already has.
      onDatabaseOpened: () => void this.refresh(),
      onSuccess: () => this.onConnected(),
      onError: (code) => this.end(code),
    });
  }

  private onConnected(): void {
    void this.refresh().then(() => this.watchPresence());
    this.roomTimer ??= setInterval(() => void this.refreshMembers(), ROOM_INFO_EVERY_MS);
    // A reload: back into the room this tab was in (the server dropped the old page's membership, or soon will).
    if (loadRoom() === DEMO_ROOM && !this.room) void this.joinRoom(false);
  }

  private render(): void {
    const newChat = h(
      'form',
      { class: 'new-chat', onsubmit: (event: Event) => this.onNewChat(event) },
      h('label', { class: 'field-label', for: 'new-chat-target' }, bilingual('新会话', 'New conversation')),
      h(
        'div',
        { class: 'row' },
        h('select', { name: 'type', 'aria-label': 'Conversation type' }, h('option', { value: String(ConversationType.PRIVATE) }, '私聊 Private'), h('option', { value: String(ConversationType.GROUP) }, '群聊 Group')),
        h('input', { id: 'new-chat-target', name: 'target', required: true, pattern: USER_ID_PATTERN_SOURCE, title: USER_ID_RULE, placeholder: 'bob / lobby', autocomplete: 'off' }),
      ),
      h(
        'div',
        { class: 'row' },
        h(
          'div',
          { class: 'chips' },
          ...DEMO_NAMES.filter((n) => n !== this.login.userId).map((name) =>
            h('button', { type: 'button', class: 'chip', onclick: () => this.open(ConversationType.PRIVATE, name) }, name),
          ),
        ),
        h('button', { type: 'submit' }, '开始 Start'),
      ),
    );
    fill(
      this.root,
      h(
        'header',
        { class: 'topbar' },
        h('div', { class: 'brand' }, 'Parley', h('small', {}, '演示聊天 · Demo chat')),
        h('div', { class: 'me' }, h('span', { class: 'avatar' }, this.login.userId.slice(0, 1).toUpperCase()), h('strong', { 'data-testid': 'me' }, this.login.userId)),
        this.badge,
        h('button', { class: 'ghost', onclick: () => this.backToLogin() }, '退出 Log out'),
      ),
      h(
        'main',
        { class: 'chat' },
        h('aside', { class: 'sidebar' }, newChat, this.lobby, this.sidebarNotice, this.list),
        h(
          'section',
          { class: 'thread' },
          h('div', { class: 'thread-head' }, this.threadTitle, this.threadActions),
          this.banner,
          this.messageList,
          this.composer,
          this.imagePicker,
        ),
      ),
    );
    this.renderThread();
  }

  private showStatus(status: ConnectionStatus): void {
    const label = statusLabels[status];
    this.badge.dataset.status = statusName(status);
    this.badge.dataset.tone = label.tone;
    fill(this.badge, h('span', { class: 'dot' }), bilingual(label.zh, label.en));
    const reconnecting = status === ConnectionStatus.SUSPEND || status === ConnectionStatus.CONNECTING || status === ConnectionStatus.NETWORK_UNAVAILABLE;
    this.banner.hidden = !reconnecting;
    fill(this.banner, bilingual('连接断开时发送的消息会在恢复连接后自动发出。', 'Messages sent while disconnected go out once the connection is back.'));
  }

  /** Conversation list and open history from the SDK (its local database, refreshed from the server when connected). */
  private async refresh(): Promise<void> {
    for (const c of await this.client.getConversationList()) Object.assign(this.remember(c.conversationType, c.targetId, c.latestMessage), { unread: c.unreadCount, isTop: c.isTop });
    this.selected ??= [...this.conversations.keys()][0];
    const open = this.selected ? this.conversations.get(this.selected) : undefined;
    if (open && open.unread > 0) this.markRead(open);
    this.renderList();
    await this.loadHistory();
  }

  /** Subscribes to the online status of the demo names and of every private peer in the list, and shows it. */
  private async watchPresence(extra: string[] = []): Promise<void> {
    const peers = [...this.conversations.values()].filter((c) => c.type === ConversationType.PRIVATE).map((c) => c.targetId);
    const userIds = [...new Set([...DEMO_NAMES, ...peers, ...extra])].filter((id) => id !== this.login.userId).slice(0, 200);
    try {
      await this.client.subscribeUserStatus(userIds, PRESENCE_SECONDS);
      for (const status of await this.client.getSubscribedUserStatus(userIds)) this.online.set(status.userId, status.isOnline);
    } catch {
      // Offline again, or the page went back to login: the next connect subscribes anew.
      return;
    }
    this.renderList();
  }

  /** The open conversation is read: on every device of the user, through the server. */
  private markRead(item: ConversationItem): void {
    item.unread = 0;
    // A chatroom's messages are counted by this page alone.
    if (item.type === CHATROOM) return;
    // Offline, or the page went back to login: the count stays where the server has it, and shows again on the next refresh.
    this.client.markConversationAsRead(item.type, item.targetId).catch(() => undefined);
  }

  /** Takes the SDK's count after it stored new messages. */
  private refreshUnread(item: ConversationItem): void {
    this.client.getUnreadCount(item.type, item.targetId).then(
      (count) => {
        if (keyOf(item.type, item.targetId) === this.selected) return;
        item.unread = count;
        this.renderList();
      },
      () => undefined,
    );
  }

  private remember(type: number, targetId: string, latest: Message | undefined): ConversationItem {
    const key = keyOf(type, targetId);
    const item = this.conversations.get(key) ?? { type, targetId, latest: undefined, unread: 0, isTop: this.pins.get(key) ?? false };
    if (latest && (!item.latest || latest.sentTime >= item.latest.sentTime)) item.latest = latest;
    this.conversations.set(key, item);
    return item;
  }

  private renderList(): void {
    this.renderLobby();
    const items = [...this.conversations.entries()].sort(([, a], [, b]) => listOrder(a, b));
    const total = items.reduce((sum, [, item]) => sum + item.unread, this.room?.item.unread ?? 0);
    document.title = total > 0 ? `(${total > 99 ? '99+' : total}) ${this.baseTitle}` : this.baseTitle;
    if (items.length === 0) {
      fill(this.list, h('li', { class: 'empty' }, bilingual('还没有会话：在上方选择一位用户开始聊天。', 'No conversations yet: pick someone above to start.')));
      return;
    }
    fill(
      this.list,
      ...items.map(([key, item]) =>
        h(
          'li',
          { class: item.isTop ? 'pinned' : undefined, 'data-pinned': String(item.isTop) },
          h(
            'button',
            { class: key === this.selected ? 'conversation selected' : 'conversation', 'data-conversation': key, onclick: () => this.select(key) },
            h(
              'span',
              {
                class: item.type === ConversationType.GROUP ? 'avatar group' : 'avatar',
                ...(item.type === ConversationType.PRIVATE && this.online.has(item.targetId)
                  ? { 'data-online': String(this.online.get(item.targetId)), title: this.online.get(item.targetId) ? '在线 Online' : '离线 Offline' }
                  : {}),
              },
              item.type === ConversationType.GROUP ? '#' : item.targetId.slice(0, 1).toUpperCase(),
            ),
            h(
              'span',
              { class: 'conversation-text' },
              h('span', { class: 'conversation-title' }, titleOf(item)),
              h('span', { class: 'preview' }, item.latest ? previewOf(item.latest) : '—'),
            ),
            h(
              'span',
              { class: 'conversation-meta' },
              item.latest ? h('time', {}, clock(item.latest.sentTime)) : null,
              item.unread > 0 ? h('span', { class: 'unread', 'data-testid': 'unread', 'aria-label': `${item.unread} unread` }, item.unread > 99 ? '99+' : item.unread) : null,
            ),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'pin',
              'aria-pressed': String(item.isTop),
              'aria-label': `${item.isTop ? '取消置顶 Unpin' : '置顶 Pin'} ${titleOf(item)}`,
              title: item.isTop ? '取消置顶 Unpin' : '置顶 Pin',
              onclick: (event: Event) => void this.togglePin(item, event.currentTarget as HTMLButtonElement),
            },
            pinIcon(),
          ),
        ),
      ),
    );
  }

  /** The demo's chatroom, always offered above the conversations: a click joins it, or opens it once joined. */
  private renderLobby(): void {
    const room = this.room;
    const members = room?.members;
    fill(
      this.lobby,
      h('div', { class: 'field-label' }, bilingual('公开聊天室', 'Public chatroom')),
      h(
        'button',
        {
          class: ROOM_CONVERSATION === this.selected ? 'conversation selected' : 'conversation',
          'data-conversation': ROOM_CONVERSATION,
          'aria-label': room ? `打开聊天室 Open chatroom ${DEMO_ROOM}` : `加入聊天室 Join chatroom ${DEMO_ROOM}`,
          onclick: () => (room ? this.select(ROOM_CONVERSATION) : void this.joinRoom(true)),
        },
        h('span', { class: 'avatar room' }, '◎'),
        h(
          'span',
          { class: 'conversation-text' },
          h('span', { class: 'conversation-title' }, titleOf({ type: CHATROOM, targetId: DEMO_ROOM })),
          h(
            'span',
            { class: 'preview' },
            !room ? '点击加入 · Click to join' : members === undefined ? '加入中… · Joining' : room.item.latest ? previewOf(room.item.latest) : '—',
          ),
        ),
        h(
          'span',
          { class: 'conversation-meta' },
          members === undefined ? null : h('span', { class: 'members', 'data-testid': 'lobby-members', title: '成员 Members' }, `${members} 人`),
          room && room.item.unread > 0 ? h('span', { class: 'unread', 'data-testid': 'unread', 'aria-label': `${room.item.unread} unread` }, room.item.unread > 99 ? '99+' : room.item.unread) : null,
        ),
      ),
    );
  }

  /** Pins on the server first (so every device of the user sees it), then here. */
  private async togglePin(item: ConversationItem, button: HTMLButtonElement): Promise<void> {
    const isTop = !item.isTop;
    button.disabled = true;
    try {
      await this.client.setConversationToTop(item.type, item.targetId, isTop);
    } catch (error) {
      button.disabled = false;
      const code = error instanceof IMError ? error.code : -1;
      return this.notice(isTop ? '置顶失败' : '取消置顶失败', isTop ? 'Could not pin' : 'Could not unpin', code);
    }
    item.isTop = isTop;
    this.pins.set(keyOf(item.type, item.targetId), isTop);
    this.notice();
    this.renderList();
  }

  /** Joins the demo's room with its recent messages; `show`: open it once joined. */
  private async joinRoom(show: boolean): Promise<void> {
    if (this.room) return;
    // In place before the join: the recent messages may come before its answer is handled.
    const room: JoinedRoom = { item: { type: CHATROOM, targetId: DEMO_ROOM, latest: undefined, unread: 0, isTop: false }, entries: [], members: undefined };
    this.room = room;
    this.renderLobby();
    try {
      const joined = await this.client.joinChatRoom(DEMO_ROOM, ROOM_RECENT);
      if (this.room !== room) return;
      room.members = joined.memberCount;
      saveRoom(DEMO_ROOM);
      this.notice();
    } catch (error) {
      if (this.room === room) this.room = undefined;
      this.renderLobby();
      return this.notice('加入聊天室失败', 'Could not join the chatroom', error instanceof IMError ? error.code : -1);
    }
    if (show) this.select(ROOM_CONVERSATION);
    else this.renderLobby();
  }

  /** Quits the room on the server first: a quit the server never heard would leave the SDK joining it again on reconnect. */
  private async leaveRoom(button: HTMLButtonElement): Promise<void> {
    const room = this.room;
    if (!room) return;
    button.disabled = true;
    try {
      await this.client.quitChatRoom(DEMO_ROOM);
    } catch (error) {
      button.disabled = false;
      return this.notice('离开聊天室失败', 'Could not leave the chatroom', error instanceof IMError ? error.code : -1);
    }
    if (this.room !== room) return;
    this.room = undefined;
    saveRoom(undefined);
    this.notice();
    if (this.selected === ROOM_CONVERSATION) {
      const next = this.firstConversation();
      if (next) return this.select(next);
      this.selected = undefined;
      this.entries = [];
      this.renderThread();
    }
    this.renderList();
  }

  /** The member count, asked of the server while the page is in the room. */
  private async refreshMembers(): Promise<void> {
    const room = this.room;
    if (!room || room.members === undefined || this.client.getCurrentConnectionStatus() !== ConnectionStatus.CONNECTED) return;
    let count: number;
    try {
      count = (await this.client.getChatRoomInfo(DEMO_ROOM)).userCount;
    } catch {
      // Dropped meanwhile or not yet joined again after a reconnect: the next round asks again.
      return;
    }
    if (this.room !== room || room.members === count) return;
    room.members = count;
    this.renderLobby();
    if (this.selected === ROOM_CONVERSATION) this.renderHead(room.item);
  }

  /** Says why the last action failed; without arguments, clears it. */
  private notice(zh?: string, en?: string, code?: number): void {
    this.sidebarNotice.hidden = zh === undefined;
    if (zh === undefined || en === undefined) return;
    fill(this.sidebarNotice, bilingual(`${zh}（${code}）`, `${en} (${code} ${codeName(code ?? -1)})`));
  }

  /** The list's first conversation as it is shown (pinned first, then the latest). */
  private firstConversation(): string | undefined {
    return [...this.conversations.entries()].sort(([, a], [, b]) => listOrder(a, b))[0]?.[0];
  }

  /** A conversation of the list, or the room while the page is in it. */
  private itemOf(key: string | undefined): ConversationItem | undefined {
    if (key === undefined) return undefined;
    return key === ROOM_CONVERSATION ? this.room?.item : this.conversations.get(key);
  }

  private select(key: string): void {
    this.selected = key;
    const item = this.itemOf(key);
    if (item && item.unread > 0) this.markRead(item);
    this.entries = [];
    this.renderList();
    this.renderThread();
    void this.loadHistory();
  }

  private open(type: number, targetId: string): void {
    if (type === ConversationType.PRIVATE && !this.online.has(targetId)) void this.watchPresence([targetId]);
    this.remember(type, targetId, undefined);
    this.select(keyOf(type, targetId));
    this.composerInput.focus();
  }

  private async loadHistory(): Promise<void> {
    const item = this.itemOf(this.selected);
    if (!item) return this.renderThread();
    if (item.type === CHATROOM) {
      this.entries = this.room?.entries ?? [];
      return this.renderThread();
    }
    const key = this.selected;
    let history: Message[];
    try {
      history = await this.client.getHistoryMessages(item.type, item.targetId, { count: HISTORY_PAGE });
    } catch {
      // The connection dropped mid-query, or the page went back to login: keep what is shown.
      return;
    }
    // A fresh browser may learn a conversation's latest message from its history alone: the list orders by it.
    const newest = history[0];
    if (newest && newest.sentTime > (item.latest?.sentTime ?? 0)) {
      item.latest = newest;
      this.renderList();
    }
    if (this.selected !== key) return;
    const stillSending = this.entries.filter((e) => e.clientId.startsWith('pending:'));
    this.entries = [...history.reverse().map((m) => this.entryOf(m)), ...stillSending];
    this.renderThread();
  }

  private entryOf(m: Message): Entry {
    return {
      uid: m.messageUId,
      clientId: m.clientId,
      senderUserId: m.senderUserId,
      mine: m.messageDirection === MessageDirection.SEND,
      text: textOf(m),
      sentTime: m.sentTime,
      state: m.status === 'sending' ? 'sending' : m.status === 'failed' ? 'failed' : 'sent',
      ...(imageUrlOf(m) ? { imageUrl: imageUrlOf(m) } : {}),
    };
  }

  private renderThread(): void {
    const item = this.itemOf(this.selected);
    this.composer.hidden = !item;
    this.renderHead(item);
    if (!item) {
      fill(this.messageList, h('li', { class: 'empty' }, bilingual('左侧选择会话，或开始一个新会话。', 'Choose a conversation on the left, or start a new one.')));
      return;
    }
    // The SDK uploads files for private and group messages only.
    this.attachButton.hidden = item.type === CHATROOM;
    const nearBottom = this.messageList.scrollHeight - this.messageList.scrollTop - this.messageList.clientHeight < 80;
    if (this.entries.length === 0) {
      fill(this.messageList, h('li', { class: 'empty' }, bilingual('还没有消息，打个招呼吧。', 'No messages yet: say hello.')));
    } else {
      fill(this.messageList, ...this.entries.map((e) => this.renderEntry(e, item.type !== ConversationType.PRIVATE)));
    }
    if (nearBottom || this.entries.at(-1)?.mine) this.messageList.scrollTop = this.messageList.scrollHeight;
  }

  private renderHead(item: ConversationItem | undefined): void {
    fill(this.threadActions);
    if (!item) return fill(this.threadTitle, bilingual('选择一个会话', 'Pick a conversation'));
    if (item.type !== CHATROOM) return fill(this.threadTitle, titleOf(item), h('small', {}, item.type === ConversationType.GROUP ? '群聊 · Group' : '私聊 · Private'));
    const members = this.room?.members;
    fill(
      this.threadTitle,
      titleOf(item),
      h('small', {}, '聊天室 · Chatroom'),
      members === undefined ? null : h('small', { class: 'members', 'data-testid': 'room-members' }, `${members} 人在线 · ${members} ${members === 1 ? 'member' : 'members'}`),
    );
    fill(this.threadActions, h('button', { type: 'button', class: 'ghost', onclick: (event: Event) => void this.leaveRoom(event.currentTarget as HTMLButtonElement) }, '离开 Leave'));
  }

  private renderEntry(e: Entry, showSender: boolean): HTMLElement {
    return h(
      'li',
      { class: `message ${e.mine ? 'mine' : 'theirs'} ${e.state}`, 'data-uid': e.uid },
      !e.mine && showSender ? h('span', { class: 'sender' }, e.senderUserId) : null,
      h('span', { class: 'bubble' }, e.imageUrl ? h('img', { class: 'picture', src: e.imageUrl, alt: '图片 image' }) : e.text),
      h(
        'span',
        { class: 'meta' },
        h('time', {}, clock(e.sentTime)),
        e.state === 'sending' ? ' · 发送中 sending' : null,
        e.state === 'failed' ? h('span', { class: 'failed-note' }, ` · ${e.note ? `${e.note.zh} · ${e.note.en}` : '发送失败 · not sent'}`) : null,
      ),
    );
  }

  private onMessages(messages: Message[]): void {
    let changed = false;
    for (const m of messages) {
      if (m.conversationType === CHATROOM) {
        changed = this.onRoomMessage(m) || changed;
        continue;
      }
      const key = keyOf(m.conversationType, m.targetId);
      const item = this.remember(m.conversationType, m.targetId, m);
      if (key === this.selected) {
        if (!this.entries.some((e) => isCopyOf(e, m))) {
          this.entries.push(this.entryOf(m));
          changed = true;
        }
        if (m.messageDirection === MessageDirection.RECEIVE) this.markRead(item);
      } else if (m.messageDirection === MessageDirection.RECEIVE) {
        // Counted at once, so that a click right now marks it read; the SDK's count then settles it.
        item.unread++;
        this.refreshUnread(item);
      }
    }
    this.renderList();
    if (changed) this.renderThread();
  }

  /** Keeps a room message in the page (the SDK stores none); true when it shows in the open thread. */
  private onRoomMessage(m: Message): boolean {
    const room = this.room;
    if (!room || m.targetId !== DEMO_ROOM || room.entries.some((e) => isCopyOf(e, m))) return false;
    // In place: the open thread shows this very array.
    room.entries.push(this.entryOf(m));
    room.entries.sort((a, b) => a.sentTime - b.sentTime);
    if (room.entries.length > ROOM_KEEP) room.entries.splice(0, room.entries.length - ROOM_KEEP);
    if (!room.item.latest || m.sentTime >= room.item.latest.sentTime) room.item.latest = m;
    const open = this.selected === ROOM_CONVERSATION;
    if (!open && m.messageDirection === MessageDirection.RECEIVE) room.item.unread++;
    return open;
  }

  private onSend(event: Event): void {
    event.preventDefault();
    const text = this.composerInput.value.trim();
    const item = this.itemOf(this.selected);
    if (!text || !item) return;
    this.composerInput.value = '';
    const entry: Entry = { uid: '', clientId: `pending:${++this.pendingId}`, senderUserId: this.login.userId, mine: true, text, sentTime: Date.now(), state: 'sending' };
    this.entries.push(entry);
    this.renderThread();
    const conversation = this.selected;
    const list = this.entries;
    const content = { objectName: 'RC:TxtMsg', content: { content: text } };
    const sending = item.type === CHATROOM ? this.client.sendChatRoomMessage(item.targetId, content) : this.client.sendMessage(item.type, item.targetId, content);
    sending
      .then(
        (sent) => {
          // The inbox sync or a history load may have brought a copy first: keep the message once.
          dropCopies(list, entry, sent);
          Object.assign(entry, { uid: sent.messageUId, clientId: sent.clientId, sentTime: sent.sentTime, state: 'sent' });
          if (item.type === CHATROOM) item.latest = sent;
          else this.remember(item.type, item.targetId, sent);
        },
        (error: unknown) => {
          Object.assign(entry, { state: 'failed', note: sendFailure(error instanceof IMError ? error.code : -1) });
        },
      )
      .finally(() => {
        this.renderList();
        if (this.selected === conversation) this.renderThread();
      });
  }

  /** Uploads the picked image (progress in the bubble) and sends it as an image message. */
  private onAttach(): void {
    const file = this.imagePicker.files?.[0];
    const item = this.itemOf(this.selected);
    this.imagePicker.value = '';
    if (!file || !item) return;
    const entry: Entry = { uid: '', clientId: `pending:${++this.pendingId}`, senderUserId: this.login.userId, mine: true, text: '图片 Image 0%', sentTime: Date.now(), state: 'sending' };
    this.entries.push(entry);
    this.renderThread();
    const conversation = this.selected;
    const list = this.entries;
    const rerender = () => {
      if (this.selected === conversation) this.renderThread();
    };
    this.client
      .sendImageMessage(item.type, item.targetId, file, { onProgress: (loaded, total) => ((entry.text = `图片 Image ${Math.floor((100 * loaded) / Math.max(total, 1))}%`), rerender()) })
      .then(
        (sent) => {
          dropCopies(list, entry, sent);
          Object.assign(entry, { uid: sent.messageUId, clientId: sent.clientId, sentTime: sent.sentTime, state: 'sent', imageUrl: imageUrlOf(sent) });
          this.remember(item.type, item.targetId, sent);
        },
        (error: unknown) => {
          Object.assign(entry, { state: 'failed', note: sendFailure(error instanceof IMError ? error.code : -1) });
        },
      )
      .finally(() => {
        this.renderList();
        rerender();
      });
  }

  private onNewChat(event: Event): void {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const type = Number((form.elements.namedItem('type') as HTMLSelectElement).value);
    const input = form.elements.namedItem('target') as HTMLInputElement;
    const target = input.value.trim();
    if (!target) return;
    input.value = '';
    if (type !== ConversationType.GROUP) return this.open(ConversationType.PRIVATE, target);
    // Joining goes through the demo's app server, as a real app's would (Server API /group/join).
    joinDemoGroup(this.login.token, target).then(
      () => this.open(ConversationType.GROUP, target),
      (error: unknown) => alertInline(form, error instanceof RequestError ? error.message : String(error)),
    );
  }

  /** The connection is over for good (kicked, blocked, bad token, timeout): say why, offer the way back. */
  private end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.stopRoomTimer();
    this.client.disconnect();
    const prompt = promptFor(code);
    const dialog = h(
      'div',
      { class: 'overlay' },
      h(
        'div',
        { class: 'prompt', role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'prompt-title', 'data-code': code },
        h('h2', { id: 'prompt-title' }, prompt.title),
        h('p', { class: 'zh' }, prompt.zh),
        h('p', { class: 'en' }, prompt.en),
        h('p', { class: 'code' }, `${code} ${codeName(code)}`),
        h(
          'div',
          { class: 'actions' },
          prompt.retry ? h('button', { onclick: () => this.retry(dialog) }, '重新连接 Retry') : null,
          h('button', { class: 'primary', onclick: () => this.backToLogin() }, '返回登录 Back to login'),
        ),
      ),
    );
    this.root.append(dialog);
    dialog.querySelector<HTMLButtonElement>('button.primary')?.focus();
  }

  private retry(dialog: HTMLElement): void {
    dialog.remove();
    this.ended = false;
    this.client.connect(this.login.token, FIRST_LOGIN_TIME_LIMIT, this.login.userId, {
      onSuccess: () => this.onConnected(),
      onError: (code) => this.end(code),
    });
  }

  private backToLogin(): void {
    this.ended = true;
    this.stopRoomTimer();
    document.title = this.baseTitle;
    // Out of the room at once rather than after the server's idle grace; logging out waits for the quit.
    const quitting = this.room ? this.client.quitChatRoom(DEMO_ROOM).catch(() => undefined) : Promise.resolve();
    this.room = undefined;
    void quitting.then(() => this.client.logout());
    this.leave(this.login.userId);
  }

  private signedOutElsewhere(): void {
    this.ended = true;
    this.stopRoomTimer();
    document.title = this.baseTitle;
    this.room = undefined;
    this.leave(this.login.userId);
  }

  private stopRoomTimer(): void {
    clearInterval(this.roomTimer);
    this.roomTimer = undefined;
  }
}

function isCopyOf(entry: Entry, m: Message): boolean {
  return (entry.uid !== '' && entry.uid === m.messageUId) || entry.clientId === m.clientId;
}

/** Drops the other copies of a sent message, in place: a room's list is the one its open thread shows. */
function dropCopies(list: Entry[], entry: Entry, sent: Message): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const other = list[i];
    if (other && other !== entry && isCopyOf(other, sent)) list.splice(i, 1);
  }
}

/** Pinned first, then the latest message first. */
function listOrder(a: ConversationItem, b: ConversationItem): number {
  return Number(b.isTop) - Number(a.isTop) || (b.latest?.sentTime ?? 0) - (a.latest?.sentTime ?? 0);
}

function titleOf(item: Pick<ConversationItem, 'type' | 'targetId'>): string {
  if (item.type === CHATROOM) return `◎ ${item.targetId}`;
  return item.type === ConversationType.GROUP ? `# ${item.targetId}` : item.targetId;
}

function pinIcon(): SVGSVGElement {
  return svg('svg', { viewBox: '0 0 16 16', width: 14, height: 14, 'aria-hidden': 'true' }, svg('path', { d: 'M5 1.5h6l-1 4.5 2.5 2.5v1.5h-3.5v5l-1 1-1-1v-5h-3.5v-1.5l2.5-2.5z' }));
}

/** The picture of an `RC:ImgMsg`, when it names one over http(s). */
function imageUrlOf(m: Message): string | undefined {
  const uri = m.objectName === 'RC:ImgMsg' ? (m.content as { imageUri?: unknown } | null)?.imageUri : undefined;
  return typeof uri === 'string' && /^https?:\/\//.test(uri) ? uri : undefined;
}

function textOf(m: Message): string {
  if (m.objectName === 'RC:ImgMsg') return '[图片 Image]';
  const content = m.content as { content?: unknown } | null;
  return typeof content?.content === 'string' ? content.content : `[${m.objectName}]`;
}

function previewOf(m: Message): string {
  const who = m.messageDirection === MessageDirection.SEND ? '我 me' : m.conversationType === ConversationType.GROUP ? m.senderUserId : '';
  return who ? `${who}: ${textOf(m)}` : textOf(m);
}

function alertInline(form: HTMLFormElement, message: string): void {
  form.querySelector('.form-error')?.remove();
  form.append(h('p', { class: 'form-error', role: 'alert' }, message));
}
