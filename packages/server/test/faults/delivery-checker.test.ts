import { describe, expect, it } from 'vitest';
import { DeliveryChecker } from '../support/delivery-checker.js';

/** The checker must be able to fail: each kind of fault, fed by hand, is counted. */
function world() {
  const checker = new DeliveryChecker();
  checker.addDevice('bob', 'bob-1');
  checker.addDevice('bob', 'bob-2');
  checker.addDevice('carol', 'carol-1');
  checker.setGroup('g', ['alice', 'bob', 'carol']);
  const send = (to: string, uid: string, type: 1 | 3 = 1) => {
    const m = checker.next('alice', type, to);
    checker.acked(m.key, uid);
    return { senderUserId: 'alice', conversationType: type, targetId: type === 1 ? 'alice' : to, messageUId: uid, text: m.text };
  };
  return { checker, send };
}

describe('delivery checker', () => {
  it('passes a clean run, private and group, over every device', () => {
    const { checker, send } = world();
    const m1 = send('bob', 'U1');
    const m2 = send('bob', 'U2');
    const g1 = send('g', 'G1', 3);
    checker.delivered('bob-1', [m1, m2, g1]);
    checker.delivered('bob-2', [m1, g1, m2]);
    checker.delivered('carol-1', [g1, { ...m1, text: 'not a checked message' }]);
    expect(checker.verify()).toMatchObject({ acked: 3, expectedDeliveries: 7, delivered: 7, lost: 0, duplicated: 0, reordered: 0, phantom: 0 });
  });

  it('counts lost, duplicated, reordered and phantom deliveries', () => {
    const { checker, send } = world();
    const m1 = send('bob', 'U1');
    const m2 = send('bob', 'U2');
    const unacked = checker.next('alice', 1, 'bob');
    checker.delivered('bob-1', [m2, m1, m1]);
    checker.delivered('bob-2', [
      m1,
      { ...m2, messageUId: 'OTHER' },
      { ...m1, text: 'ck|alice|1:bob|99' },
      { ...m1, senderUserId: 'mallory' },
      { ...m1, messageUId: 'X', text: unacked.text },
    ]);
    checker.delivered('carol-1', [m1]);
    const report = checker.verify();
    expect(report).toMatchObject({ acked: 2, lost: 1, duplicated: 1, reordered: 1, phantom: 4 });
    expect(report.examples.length).toBe(7);
  });
});
