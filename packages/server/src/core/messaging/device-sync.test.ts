import { describe, expect, it } from 'vitest';
import type { InboxEntry } from '../../store/store.js';
import { storedMessage } from '../../../test/support/topic-context.js';
import { DeviceSync } from './device-sync.js';

const original: InboxEntry = { cursor: 10, direction: 2, message: storedMessage({ uid: 'ORIG', recall: { operatorId: 'bob', time: 30, isDelete: false, admin: false } }) };
const command: InboxEntry = { cursor: 30, direction: 2, message: storedMessage({ uid: 'CMD', objectName: 'RC:RcCmd' }), changesCursor: 10 };
const filler = (cursor: number): InboxEntry => ({ cursor, direction: 2, message: storedMessage({ uid: `F${cursor}` }) });
const uids = (entries: InboxEntry[]) => entries.map((e) => e.message.uid);

describe('device sync', () => {
  it('sends a change command only to a device that had the changed message before its pull run', () => {
    expect(uids(new DeviceSync().deliver(10, { entries: [command], cursor: 30, finished: true }))).toEqual(['CMD']);
    expect(uids(new DeviceSync().deliver(5, { entries: [original, command], cursor: 30, finished: true }))).toEqual(['ORIG']);
  });

  it('judges every page of a run by where the run started', () => {
    const device = new DeviceSync();
    expect(uids(device.deliver(5, { entries: [original, filler(20)], cursor: 20, finished: false }))).toEqual(['ORIG', 'F20']);
    expect(uids(device.deliver(20, { entries: [command], cursor: 30, finished: true }))).toEqual([]);
    // The next run starts where the device now is.
    expect(uids(device.deliver(30, { entries: [{ ...command, cursor: 40 }], cursor: 40, finished: true }))).toEqual(['CMD']);
  });

  it('sends a recall made between two pages of a run, but not one the run served already', () => {
    const unrecalled = { ...original, message: { ...original.message, recall: undefined } };
    const device = new DeviceSync();
    expect(uids(device.deliver(5, { entries: [unrecalled, filler(20)], cursor: 20, finished: false }))).toEqual(['ORIG', 'F20']);
    expect(uids(device.deliver(20, { entries: [command], cursor: 30, finished: true }))).toEqual(['CMD']);
    const served = new DeviceSync();
    served.deliver(5, { entries: [original, filler(20)], cursor: 20, finished: false });
    expect(uids(served.deliver(20, { entries: [command], cursor: 30, finished: true }))).toEqual([]);
  });

  it('sends an expansion update from a later page than its message, never one from the same page', () => {
    const expandable: InboxEntry = { cursor: 10, direction: 2, message: storedMessage({ uid: 'EXP' }) };
    const update = (cursor: number): InboxEntry => ({ cursor, direction: 2, message: storedMessage({ uid: `UPD${cursor}`, objectName: 'RC:MsgExMsg' }), changesCursor: 10 });
    expect(uids(new DeviceSync().deliver(5, { entries: [expandable, update(15)], cursor: 15, finished: true }))).toEqual(['EXP']);
    const device = new DeviceSync();
    device.deliver(5, { entries: [expandable, update(15), filler(20)], cursor: 20, finished: false });
    expect(uids(device.deliver(20, { entries: [update(25)], cursor: 25, finished: true }))).toEqual(['UPD25']);
  });

  it('leaves out commands for a message the run did not bring, and sends them past what it remembers', () => {
    // The store hid the message at 10 (deleted, or recalled with delete): the device never had it.
    expect(uids(new DeviceSync().deliver(5, { entries: [filler(20), command], cursor: 30, finished: true }))).toEqual(['F20']);
    const forgetful = new DeviceSync(1_000, 1);
    const unrecalled = { ...original, cursor: 12, message: { ...original.message, recall: undefined } };
    forgetful.deliver(5, { entries: [filler(8), unrecalled], cursor: 12, finished: false });
    expect(uids(forgetful.deliver(12, { entries: [{ ...command, changesCursor: 12 }], cursor: 30, finished: true }))).toEqual(['CMD']);
  });

  it('leaves out a message recalled with delete', () => {
    const deleted = { ...original, message: { ...original.message, recall: { ...original.message.recall!, isDelete: true } } };
    expect(new DeviceSync().deliver(0, { entries: [deleted], cursor: 10, finished: true })).toEqual([]);
  });

  it('sends an edit to a device that does not hold it yet, once', () => {
    const device = new DeviceSync();
    device.deliver(0, { entries: [{ ...filler(5), message: storedMessage({ uid: 'E', modifiedTime: 50 }) }], cursor: 5, finished: true });
    expect(device.needsEdit('E', 50)).toBe(false);
    expect(device.needsEdit('E', 60)).toBe(true);
    device.holdsEdit('E', 60);
    expect(device.needsEdit('E', 60)).toBe(false);
    // At most 1,000 per connection: the edit held longest is forgotten first.
    const busy = new DeviceSync();
    for (let i = 0; i <= 1_000; i++) busy.holdsEdit(`E${i}`, 1);
    expect([busy.needsEdit('E0', 1), busy.needsEdit('E1', 1), busy.needsEdit('E1000', 1)]).toEqual([true, false, false]);
  });
});
