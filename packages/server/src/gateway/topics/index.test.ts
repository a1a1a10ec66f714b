import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { MessageChanges } from '../../core/messaging/message-changes.js';
import type { GroupReceiptService } from '../../core/messaging/group-receipts.js';
import type { MessageDeletion } from '../../core/messaging/message-deletion.js';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { ReadStateService } from '../../core/messaging/read-state.js';
import { topicTable } from './index.js';

describe('topic table', () => {
  it('holds every feature’s topics once', () => {
    const { queries, publishes } = topicTable({ messages: {} as MessageService, deletion: {} as MessageDeletion, changes: {} as MessageChanges, readState: {} as ReadStateService, receipts: {} as GroupReceiptService, metrics: new Registry() });
    expect(Object.keys(publishes).sort()).toEqual(['pgMsgP', 'pgMsgS', 'ppMsgP', 'ppMsgS', 'recallMsg', 'updRTime']);
    expect(Object.keys(queries).sort()).toEqual(['cleanGMsg', 'cleanMsgBatch', 'cleanPMsg', 'cleanSMsg', 'delMsg', 'modifyMsg', 'pullEventChange', 'pullModifyMsg', 'pullMsg', 'pullSe', 'pullSeAtts', 'pullUS', 'qAppBot', 'qryGMsg', 'qryPMsg', 'qryRelationR', 'qrySMsg', 'reportsdk', 'rrList', 'rrMsg']);
  });
});
