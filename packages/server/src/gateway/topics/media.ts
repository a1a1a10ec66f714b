import { AckStatus, decodePayload, encodePayload, Topic } from '@parley/protocol';
import type { MediaService } from '../../core/media/media-service.js';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { TopicHandlers } from './topic-handler.js';

/**
 * File uploads (`docs/protocol.md`, "File uploads"): `qnTkn` grants an upload token for the key the
 * SDK chose, `qnUrl` answers the download URL of a file the caller's app holds under a key. The
 * SDK asks `aliUrl`, `s3Url`... only after uploading to those services, which navigation never names.
 */
export function mediaTopics(media: Pick<MediaService, 'grantUpload' | 'downloadUrlOf'>, messages: Pick<MessageService, 'withinSendRate'>): TopicHandlers {
  return {
    queries: {
      [Topic.qnTkn]: async (request, { session }) => {
        const { type, key, size } = decodePayload('GetQNupTokenInput', request);
        // An upload is a message to be: it takes from the user's send budget, so tokens (and the disk
        // they fill) come no faster than messages.
        if (!(await messages.withinSendRate(session.appKey, session.userId))) return { status: AckStatus.SEND_FREQUENCY_TOO_FAST };
        const answer = await media.grantUpload(session.appKey, session.userId, { fileType: type, key: key ?? '', sizeKiB: size ?? 0 });
        if (!answer.ok) return { status: answer.status };
        return { status: AckStatus.SUCCESS, payload: encodePayload('GetQNupTokenOutput', { deadline: answer.deadline, token: answer.token }) };
      },
      [Topic.qnUrl]: async (request, { session }) => {
        const { key } = decodePayload('GetDownloadUrlInput', request);
        const downloadUrl = await media.downloadUrlOf(session.appKey, key);
        if (downloadUrl === undefined) return { status: AckStatus.PARAMETER_INVALID };
        return { status: AckStatus.SUCCESS, payload: encodePayload('GetDownloadUrlOutput', { downloadUrl }) };
      },
    },
  };
}
