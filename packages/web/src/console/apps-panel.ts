import { bilingual, dateTime, fill, h } from '../shared/dom.js';
import { admin, type AdminApp, type AppSettings } from './admin-api.js';
import { notify, notifyError } from './notices.js';

const POLICIES: Record<AdminApp['devicePolicy'], string> = {
  'per-class': '每类平台一台 · one per platform class',
  single: '仅一台 · one device',
  multi: '多台 · several devices',
};

const secretHint = (appKey: string) => ({
  zh: `App Secret 不在网页中显示：在服务器上运行 npx parley app show ${appKey} 查看。`,
  en: `The App Secret is never shown in a page: run npx parley app show ${appKey} on the server.`,
});

/** Apps: the list, a create form, and per app its settings (docs/contract.md, "Apps and tokens"), secret rotation and block. */
export class AppsPanel {
  readonly element: HTMLElement;
  private apps: AdminApp[] = [];
  private readonly table = h('tbody');
  private readonly editor = h('div', { class: 'editor' });

  constructor(private readonly changed: (apps: AdminApp[]) => void) {
    this.element = h(
      'section',
      { class: 'card apps' },
      h('div', { class: 'card-head' }, h('h2', {}, bilingual('应用', 'Apps')), h('button', { class: 'primary', onclick: () => this.edit(undefined) }, '新建应用 New app')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                ['名称', 'Name'],
                ['App Key', ''],
                ['状态', 'State'],
                ['多设备', 'Devices'],
                ['Token 有效期', 'Token lifetime'],
                ['安全域名', 'Safe domains'],
                ['操作', 'Actions'],
              ].map(([zh, en]) => h('th', {}, bilingual(zh ?? '', en ?? ''))),
            ),
          ),
          this.table,
        ),
      ),
      this.editor,
    );
  }

  async load(): Promise<void> {
    this.apps = (await admin<{ apps: AdminApp[] }>('GET', '/apps')).apps.filter((a) => a.state !== 'deleted');
    fill(this.table, ...this.apps.map((app) => this.row(app)));
    this.changed(this.apps);
  }

  private row(app: AdminApp): HTMLElement {
    const blocked = app.state === 'blocked';
    return h(
      'tr',
      { 'data-app': app.appKey },
      h('td', {}, h('strong', {}, app.name), h('div', { class: 'hint' }, dateTime(app.createdAt))),
      h('td', {}, h('code', {}, app.appKey)),
      h('td', {}, h('span', { class: `state ${app.state}` }, blocked ? '已封禁 blocked' : '正常 active')),
      h('td', {}, app.devicePolicy === 'multi' ? `${POLICIES.multi} (≤${app.maxDevices})` : POLICIES[app.devicePolicy]),
      h('td', {}, app.tokenLifetimeSeconds === 0 ? '永久 never expires' : `${app.tokenLifetimeSeconds} s`),
      h('td', {}, app.safeDomains.length === 0 ? '不限 any' : app.safeDomains.join(', ')),
      h(
        'td',
        { class: 'actions' },
        h('button', { onclick: () => this.edit(app) }, '设置 Settings'),
        h('button', { onclick: () => void this.rotate(app) }, '轮换密钥 Rotate secret'),
        h('button', { class: blocked ? '' : 'danger', onclick: () => void this.setBlocked(app, !blocked) }, blocked ? '解封 Unblock' : '封禁 Block'),
      ),
    );
  }

  /** The create form (no app) or the settings form of one app. */
  private edit(app: AdminApp | undefined): void {
    const field = (zh: string, en: string, control: HTMLElement) => h('label', { class: 'field' }, bilingual(zh, en), control);
    const number = (name: string, value: number, min: number, max: number) => h('input', { name, type: 'number', required: true, min, max, step: 1, value });
    const select = (name: string, value: string, options: Record<string, string>) =>
      h('select', { name }, ...Object.entries(options).map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
    const form = h(
      'form',
      { class: 'settings', 'aria-label': app ? `Settings of ${app.name}` : 'New app' },
      h('h3', {}, app ? `设置 Settings · ${app.name} (${app.appKey})` : '新建应用 New app'),
      h(
        'div',
        { class: 'grid' },
        field('名称', 'Name', h('input', { name: 'name', required: true, maxlength: 64, value: app?.name ?? '' })),
        field('Token 有效期（秒，0 = 永久）', 'Token lifetime (s, 0 = never)', number('tokenLifetimeSeconds', app?.tokenLifetimeSeconds ?? 0, 0, 315_360_000)),
        field('多设备策略', 'Device policy', select('devicePolicy', app?.devicePolicy ?? 'per-class', POLICIES)),
        field('最多设备数（多台时）', 'Max devices (several)', number('maxDevices', app?.maxDevices ?? 5, 1, 100)),
        field('安全域名（逗号分隔，空 = 不限）', 'Safe domains (comma-separated, empty = any)', h('input', { name: 'safeDomains', value: app?.safeDomains.join(', ') ?? '', placeholder: 'example.com, *.example.com' })),
        field('签名模式', 'Signature mode', select('signatureMode', app?.signatureMode ?? 'compatible', { compatible: 'compatible', strict: 'strict' })),
        field('Server API 限流（次/秒）', 'API rate limit (calls/s)', number('apiRateLimit', app?.apiRateLimit ?? 1000, 1, 1_000_000)),
      ),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'ghost', onclick: () => fill(this.editor) }, '取消 Cancel'), h('button', { class: 'primary', type: 'submit' }, app ? '保存 Save' : '创建 Create')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save(app, settingsOf(form));
    });
    fill(this.editor, form);
    form.querySelector('input')?.focus();
  }

  private async save(app: AdminApp | undefined, settings: AppSettings): Promise<void> {
    try {
      if (app) {
        await admin('PATCH', `/apps/${app.appKey}`, settings);
        notify('ok', `已保存 ${settings.name} 的设置。`, `Saved the settings of ${settings.name}.`);
      } else {
        const created = (await admin<{ app: AdminApp }>('POST', '/apps', settings)).app;
        const hint = secretHint(created.appKey);
        notify('ok', `已创建应用 ${created.name}，App Key ${created.appKey}。${hint.zh}`, `Created app ${created.name}, App Key ${created.appKey}. ${hint.en}`);
      }
      fill(this.editor);
      await this.load();
    } catch (error) {
      notifyError(error);
    }
  }

  private async rotate(app: AdminApp): Promise<void> {
    if (!window.confirm(`轮换 ${app.name} 的 App Secret？该应用已签发的所有 Token 将失效。\nRotate the App Secret of ${app.name}? Every token it issued stops working.`)) return;
    try {
      await admin('POST', `/apps/${app.appKey}/rotate-secret`);
      const hint = secretHint(app.appKey);
      notify('ok', `已为 ${app.name} 生成新的 App Secret。${hint.zh}`, `Made a new App Secret for ${app.name}. ${hint.en}`);
      await this.load();
    } catch (error) {
      notifyError(error);
    }
  }

  private async setBlocked(app: AdminApp, block: boolean): Promise<void> {
    try {
      await admin('POST', `/apps/${app.appKey}/${block ? 'block' : 'unblock'}`);
      notify('ok', block ? `已封禁 ${app.name}：其连接与 Server API 调用将被拒绝。` : `已解封 ${app.name}。`, block ? `Blocked ${app.name}: its connects and Server API calls are refused.` : `Unblocked ${app.name}.`);
      await this.load();
    } catch (error) {
      notifyError(error);
    }
  }
}

function settingsOf(form: HTMLFormElement): AppSettings {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  return {
    name: text('name'),
    tokenLifetimeSeconds: Number(text('tokenLifetimeSeconds')),
    devicePolicy: text('devicePolicy') as AppSettings['devicePolicy'],
    maxDevices: Number(text('maxDevices')),
    safeDomains: text('safeDomains')
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d.length > 0),
    signatureMode: text('signatureMode') as AppSettings['signatureMode'],
    apiRateLimit: Number(text('apiRateLimit')),
  };
}
