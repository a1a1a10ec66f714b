import '../shared/base.css';
import './demo.css';
import { USER_ID_PATTERN_SOURCE, USER_ID_RULE } from '@parley/protocol';
import { bilingual, fill, h } from '../shared/dom.js';
import { RequestError } from '../shared/http.js';
import { ChatPage, DEMO_NAMES } from './chat.js';
import { demoLogin, joinDemoGroup } from './demo-api.js';
import { forgetLogin, loadLogin, saveLogin } from './saved-login.js';

const DEFAULT_GROUP = 'lobby';
const root = document.getElementById('app') as HTMLElement;

function showLogin(lastUserId = ''): void {
  const userInput = h('input', {
    id: 'user-id',
    name: 'userId',
    required: true,
    pattern: USER_ID_PATTERN_SOURCE,
    title: USER_ID_RULE,
    autocomplete: 'username',
    placeholder: 'alice',
    value: lastUserId,
  });
  const groupInput = h('input', { id: 'group-id', name: 'groupId', pattern: USER_ID_PATTERN_SOURCE, title: USER_ID_RULE, autocomplete: 'off', value: DEFAULT_GROUP });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'primary wide', type: 'submit' }, '登录 Log in');

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const userId = userInput.value.trim();
    const groupId = groupInput.value.trim() || undefined;
    submit.disabled = true;
    error.hidden = true;
    try {
      const { appKey, token } = await demoLogin(userId);
      if (groupId) await joinDemoGroup(token, groupId);
      const login = { appKey, userId, token, groupId };
      saveLogin(login);
      new ChatPage(root, login, leave).start(true);
    } catch (failure) {
      submit.disabled = false;
      error.hidden = false;
      fill(error, ...explain(failure));
    }
  };

  fill(
    root,
    h(
      'main',
      { class: 'login' },
      h(
        'form',
        { class: 'card', onsubmit: (event: Event) => void onSubmit(event) },
        h('h1', {}, 'Parley', h('small', {}, '演示聊天 · Demo chat')),
        bilingual(
          '选择或输入一个用户名。演示应用服务器通过 Server API 为其获取 Token，App Secret 只留在服务器端。',
          'Pick or type a user name. The demo app server gets its token from the Server API; the App Secret never leaves the server.',
          'p',
        ),
        h('label', { for: 'user-id' }, bilingual('用户名', 'User ID')),
        userInput,
        h('div', { class: 'chips' }, ...DEMO_NAMES.map((name) => h('button', { type: 'button', class: 'chip', onclick: () => (userInput.value = name) }, name))),
        h('label', { for: 'group-id' }, bilingual('加入群组（可选）', 'Join a group (optional)')),
        groupInput,
        error,
        submit,
        h('p', { class: 'hint' }, bilingual('在另一个标签页以另一个用户登录，即可互相聊天。', 'Log in as someone else in another tab to chat between them.')),
        h('p', { class: 'hint' }, h('a', { href: '/console' }, '控制台 · Console')),
      ),
    ),
  );
  userInput.focus();
}

function explain(failure: unknown): HTMLElement[] {
  if (failure instanceof RequestError && failure.status === 404) {
    return [bilingual('此服务器已关闭演示登录（parley serve --no-demo）。', 'The demo login is turned off on this server (parley serve --no-demo).')];
  }
  if (failure instanceof RequestError && failure.status === 0) {
    return [bilingual('无法连接服务器。', 'Cannot reach the server.')];
  }
  return [bilingual('登录失败：', 'Login failed:'), h('span', { class: 'detail' }, failure instanceof Error ? failure.message : String(failure))];
}

function leave(userId: string): void {
  forgetLogin();
  showLogin(userId);
}

const saved = loadLogin();
if (saved) new ChatPage(root, saved, leave).start(false);
else showLogin();
