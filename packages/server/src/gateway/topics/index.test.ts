import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ChatroomService } from '../../core/chatrooms/chatroom-service.js';
import type { ConversationStateService } from '../../core/messaging/conversation-states.js';
import type { MediaService } from '../../core/media/media-service.js';
import type { MessageChanges } from '../../core/messaging/message-changes.js';
import type { GroupReceiptService } from '../../core/messaging/group-receipts.js';
import type { MessageDeletion } from '../../core/messaging/message-deletion.js';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { ReadStateService } from '../../core/messaging/read-state.js';
import type { OnlineStatusService } from '../../core/online-status/online-status-service.js';
import { topicTable } from './index.js';

describe('topic table', () => {
  it('holds every feature’s topics once', () => {
    const { queries, publishes } = topicTable({ messages: {} as MessageService, deletion: {} as MessageDeletion, changes: {} as MessageChanges, readState: {} as ReadStateService, receipts: {} as GroupReceiptService, conversationStates: {} as ConversationStateService, chatrooms: {} as ChatroomService, media: {} as MediaService, onlineStatus: {} as OnlineStatusService, metrics: new Registry() });
    expect(Object.keys(publishes).sort()).toEqual(['chatMsg', 'chatMsgS', 'pgMsgP', 'pgMsgS', 'ppMsgP', 'ppMsgS', 'recallMsg', 'updRTime']);
    expect(Object.keys(queries).sort()).toEqual(['chrmPull', 'cleanGMsg', 'cleanMsgBatch', 'cleanPMsg', 'cleanSMsg', 'delKV', 'delKVS', 'delMsg', 'delRelationBatch', 'exitChrm', 'joinChrm', 'joinChrmR', 'modifyMsg', 'pullEventChange', 'pullKV', 'pullModifyMsg', 'pullMsg', 'pullSe', 'pullSeAtts', 'pullSubData', 'pullUS', 'pullUserSub', 'qAppBot', 'qnTkn', 'qnUrl', 'qryCHMsg', 'qryGMsg', 'qryPMsg', 'qryRLBatch', 'qryRelationR', 'qrySMsg', 'qrySubData', 'queryChrmI', 'reportsdk', 'rrList', 'rrMsg', 'setKV', 'setKVS', 'setSeAtt', 'updUserSub']);
  });
});
