import { USER_ID_PATTERN_SOURCE, USER_ID_RULE } from '@parley/protocol';
import { bilingual, dateTime, fill, h } from '../shared/dom.js';
import { admin, userPath, type AdminApp, type AdminUser } from './admin-api.js';
import { notify, notifyError } from './notices.js';

const DEFAULT_BLOCK_MINUTES = 60;

/** One user of one app: state, online devices, and the actions an operator needs. */
export class UsersPanel {
  readonly element: HTMLElement;
  private readonly appSelect = h('select', { name: 'appKey', 'aria-label': 'App' });
  private readonly userInput = h('input', { name: 'userId', required: true, pattern: USER_ID_PATTERN_SOURCE, title: USER_ID_RULE, placeholder: 'alice', autocomplete: 'off', 'aria-label': 'User ID' });
  private readonly result = h('div', { class: 'user-result' });
  private current: { appKey: string; userId: string } | undefined;

  constructor() {
    const form = h(
      'form',
      { class: 'lookup' },
      h('label', { class: 'field' }, bilingual('应用', 'App'), this.appSelect),
      h('label', { class: 'field' }, bilingual('用户 ID', 'User ID'), this.userInput),
      h('button', { class: 'primary', type: 'submit' }, '查询 Look up'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.current = { appKey: this.appSelect.value, userId: this.userInput.value.trim() };
      void this.show();
    });
    this.element = h('section', { class: 'card users' }, h('h2', {}, bilingual('用户', 'Users')), form, this.result);
  }

  setApps(apps: AdminApp[]): void {
    const chosen = this.appSelect.value;
    fill(this.appSelect, ...apps.map((a) => h('option', { value: a.appKey, selected: a.appKey === chosen }, `${a.name} · ${a.appKey}`)));
  }

  private async show(): Promise<void> {
    const target = this.current;
    if (!target) return;
    let user: AdminUser;
    try {
      user = (await admin<{ user: AdminUser }>('GET', userPath(target.appKey, target.userId))).user;
    } catch (error) {
      fill(this.result);
      return notifyError(error);
    }
    const minutes = h('input', { type: 'number', min: 1, max: 43_200, value: DEFAULT_BLOCK_MINUTES, 'aria-label': 'Block minutes', class: 'minutes' });
    const tokenOut = h('textarea', { readonly: true, rows: 2, 'data-testid': 'issued-token', hidden: true, 'aria-label': 'Issued token' });
    const act = (zh: string, en: string, run: () => Promise<unknown>) => async () => {
      try {
        await run();
        notify('ok', `${zh}：${target.userId}`, `${en}: ${target.userId}`);
        await this.show();
      } catch (error) {
        notifyError(error);
      }
    };
    const path = userPath(target.appKey, target.userId);
    fill(
      this.result,
      h(
        'dl',
        { class: 'facts', 'data-user': user.userId },
        h('dt', {}, bilingual('用户', 'User')),
        h('dd', {}, h('strong', {}, user.userId), user.registered ? '' : ' — 未注册 not registered'),
        h('dt', {}, bilingual('状态', 'State')),
        h(
          'dd',
          { 'data-testid': 'user-state' },
          user.blockedUntil ? h('span', { class: 'state blocked' }, `封禁至 blocked until ${dateTime(user.blockedUntil)}`) : null,
          user.deactivated ? h('span', { class: 'state blocked' }, '已注销 deactivated') : null,
          !user.blockedUntil && !user.deactivated ? h('span', { class: 'state active' }, '正常 active') : null,
        ),
        h('dt', {}, bilingual('Token 作废时间', 'Tokens refused before')),
        h('dd', {}, user.tokensValidAfter ? dateTime(user.tokensValidAfter) : '—'),
        h('dt', {}, bilingual('在线设备', 'Online devices')),
        h(
          'dd',
          {},
          user.devices.length === 0
            ? '无 none'
            : h('ul', { class: 'devices' }, ...user.devices.map((d) => h('li', {}, h('strong', {}, d.platform), ` ${d.deviceId} · ${dateTime(d.connectedAt)}`))),
        ),
      ),
      h(
        'div',
        { class: 'user-actions' },
        h(
          'button',
          {
            onclick: async () => {
              try {
                tokenOut.value = (await admin<{ token: string }>('POST', `${path}/token`)).token;
                tokenOut.hidden = false;
              } catch (error) {
                notifyError(error);
              }
            },
          },
          '获取 Token Issue token',
        ),
        h(
          'span',
          { class: 'block-group' },
          minutes,
          h('span', { class: 'hint' }, '分钟 min'),
          h('button', { class: 'danger', onclick: act('已封禁（已踢下线）', 'Blocked (kicked offline)', () => admin('POST', `${path}/block`, { minutes: Number(minutes.value) })) }, '封禁并踢下线 Block & kick'),
        ),
        h('button', { onclick: act('已解封', 'Unblocked', () => admin('POST', `${path}/unblock`)) }, '解封 Unblock'),
        h('button', { onclick: act('已作废此前签发的 Token', 'Expired the tokens issued so far', () => admin('POST', `${path}/expire-tokens`)) }, '作废 Token Expire tokens'),
        user.deactivated
          ? h('button', { onclick: act('已恢复', 'Reactivated', () => admin('POST', `${path}/reactivate`)) }, '恢复 Reactivate')
          : h('button', { class: 'danger', onclick: act('已注销', 'Deactivated', () => admin('POST', `${path}/deactivate`)) }, '注销 Deactivate'),
      ),
      tokenOut,
    );
  }
}
