import '../shared/base.css';
import './console.css';
import { bilingual, fill, h } from '../shared/dom.js';
import { RequestError } from '../shared/http.js';
import { admin, adminToken, whenUnauthorized, type AdminApp } from './admin-api.js';
import { AppsPanel } from './apps-panel.js';
import { noticeArea, notifyError } from './notices.js';
import { StatsPanel } from './stats-panel.js';
import { UsersPanel } from './users-panel.js';

const root = document.getElementById('app') as HTMLElement;
let stats: StatsPanel | undefined;

function showGate(problem?: string): void {
  stats?.stop();
  const input = h('input', { id: 'admin-token', name: 'token', type: 'password', required: true, autocomplete: 'current-password' });
  const form = h(
    'form',
    { class: 'card gate' },
    h('h1', {}, 'Parley', h('small', {}, '控制台 · Console')),
    h('label', { for: 'admin-token' }, bilingual('管理员令牌', 'Admin token')),
    input,
    problem ? h('p', { class: 'form-error', role: 'alert' }, problem) : null,
    h('button', { class: 'primary wide', type: 'submit' }, '进入 Enter'),
    bilingual(
      '首次启动时打印在终端，并保存在数据目录的 admin-token 文件中（默认 ./data/admin-token），也可用 --admin-token 指定。',
      'Printed once at first start and saved in the data directory (./data/admin-token by default); --admin-token sets your own.',
      'p',
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    adminToken.set(input.value.trim());
    void enter();
  });
  fill(root, h('main', { class: 'gate-page' }, form));
  input.focus();
}

async function enter(): Promise<void> {
  try {
    await admin('GET', '/apps');
  } catch (error) {
    if (error instanceof RequestError && error.status === 401) return;
    return showGate(error instanceof Error ? error.message : String(error));
  }
  const users = new UsersPanel();
  const apps = new AppsPanel((list: AdminApp[]) => users.setApps(list));
  stats = new StatsPanel();
  fill(
    root,
    h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, 'Parley', h('small', {}, '控制台 · Console')),
      h('a', { href: '/' }, '演示聊天 Demo chat'),
      h('button', { class: 'ghost', onclick: () => (adminToken.clear(), showGate()) }, '退出 Sign out'),
    ),
    noticeArea,
    h('main', { class: 'dashboard' }, stats.element, apps.element, users.element),
  );
  await Promise.all([apps.load(), stats.start()]).catch(notifyError);
}

whenUnauthorized(() => {
  adminToken.clear();
  showGate('令牌错误或已更换 · The admin token is wrong or has changed.');
});

if (adminToken.get()) void enter();
else showGate();
