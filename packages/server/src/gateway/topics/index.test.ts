import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { MessageService } from '../../core/messaging/message-service.js';
import { topicTable } from './index.js';

describe('topic table', () => {
  it('holds every feature’s topics once', () => {
    const { queries, publishes } = topicTable({ messages: {} as MessageService, metrics: new Registry() });
    expect(Object.keys(publishes).sort()).toEqual(['pgMsgP', 'ppMsgP']);
    expect(Object.keys(queries).sort()).toEqual(['pullEventChange', 'pullModifyMsg', 'pullMsg', 'pullSeAtts', 'pullUS', 'qAppBot', 'qryGMsg', 'qryPMsg', 'qryRelationR', 'qrySMsg', 'reportsdk']);
  });
});
