import { it } from 'vitest';
import { chromiumE2e } from './support/chromium-e2e.js';
const e2e = chromiumE2e('parley-scratch-');
it('debug', async () => {
  const context = await e2e.newContext();
  const page = await e2e.openPage('c1', '/', context);
  page.on('console', (m) => console.log('PAGE', m.type(), m.text()));
  const cdp = await context.newCDPSession(page);
  cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
    const m = JSON.parse(e.message) as { method?: string; params?: unknown };
    if (m.method === 'Runtime.consoleAPICalled' || m.method === 'Runtime.exceptionThrown') console.log('WORKER', JSON.stringify(m.params).slice(0, 1500));
  });
  await page.locator('#user-id').fill('carol');
  await page.getByRole('button', { name: '登录 Log in' }).click();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { type: string; targetId: string }[] };
    const w = targetInfos.find((t) => t.type === 'shared_worker');
    if (w) {
      const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: w.targetId, flatten: false })) as { sessionId: string };
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.enable' }) });
      break;
    }
  }
  await new Promise((r) => setTimeout(r, 3000));
  console.log('STATUS', await page.getByTestId('status').getAttribute('data-status'));
  for (const n of [2, 3]) {
    const p = await e2e.openPage('c' + n, '/', context);
    p.on('console', (m) => console.log('PAGE' + n, m.type(), m.text()));
    await p.locator('#user-id').fill('carol');
    await p.getByRole('button', { name: '登录 Log in' }).click();
    await new Promise((r) => setTimeout(r, 4000));
    console.log('STATUS' + n, await p.getByTestId('status').getAttribute('data-status'), await page.getByTestId('status').getAttribute('data-status'));
  }
}, 60000);
