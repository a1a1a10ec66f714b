// A small stand-in for a server speaking RMTP over TCP to RongCloud's native stack, so the native
// harness can be tested on its own: navigation over HTTP, then CONNECT, ping, send, the queries the
// stack makes after CONNACK, one pushed message and a private history. Built on the protocol
// package's native codec; everything else a real server does is left out.

import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import {
  ConversationType,
  NativeDeframer,
  NotifyType,
  Topic,
  decodeNativeClientFrame,
  decodePayload,
  encodeNativeServerFrame,
  encodePayload,
  splitTimestamp,
  type DownStreamMessage,
  type FrameInput,
  type NativeClientFrame,
  type NativeServerFrame,
  type QueryFrame,
} from '@parley/protocol';

/** RMTP over plain TCP in a navigation `serverAddr` entry (2 is TLS). */
const PROTOCOL_RMTP = 1;
const CONNACK_ACCEPTED = 0;
/** CONNACK status of a bad token; the stack reports 31004. */
const CONNACK_TOKEN_INCORRECT = 4;
const STATUS_OK = 0;
/** Message status bits of a persisted, counted message (`DownStreamMessage.status`). */
const PERSISTED_AND_COUNTED = 16 | 32;
/** Tokens are `tok-<userId>@`; the stack sends them with the navigation suffix after `@` cut off. */
const TOKEN_PATTERN = /^tok-([^@]+)@/;

export interface NaviRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A frame a client sent, with the user its connection was accepted for (none before CONNACK). */
export interface ReceivedFrame {
  userId: string | undefined;
  frame: NativeClientFrame;
}

/** A text message as it came in with a PUBLISH and went into the sender's history. */
export interface StoredText {
  fromUserId: string;
  targetId: string;
  text: string;
  messageUId: string;
  sentTime: number;
}

export interface FakeNativeServer {
  /** For the client's `navigators`. */
  naviUrl: string;
  tcpPort: number;
  naviRequests: NaviRequest[];
  frames: ReceivedFrame[];
  texts: StoredText[];
  /** Frames of one type, in order of arrival. */
  framesOf<T extends NativeClientFrame['type']>(type: T): Extract<NativeClientFrame, { type: T }>[];
  /** Queues a private text from `fromUserId` for `userId` and tells `userId`'s connections to pull. */
  pushText(userId: string, fromUserId: string, text: string): DownStreamMessage;
  /** Closes `userId`'s connections without a DISCONNECT, as a crash or a network cut would. */
  dropConnections(userId: string): void;
  close(): Promise<void>;
}

export async function startFakeNativeServer(): Promise<FakeNativeServer> {
  const naviRequests: NaviRequest[] = [];
  const frames: ReceivedFrame[] = [];
  const texts: StoredText[] = [];
  const users = new Map<Socket, string>();
  const inboxes = new Map<string, DownStreamMessage[]>();
  let uidCounter = 0;
  const nextUid = () => `FAKE-UID-${++uidCounter}`;

  const send = (socket: Socket, frame: FrameInput<NativeServerFrame>) => socket.write(encodeNativeServerFrame(frame));

  const answerQuery = (userId: string, { topic, payload }: QueryFrame, now: number): Uint8Array => {
    switch (topic) {
      case Topic.pullMsg: {
        const list = inboxes.get(userId) ?? [];
        inboxes.set(userId, []);
        return encodePayload('DownStreamMessages', { list, syncTime: now, finished: true });
      }
      case Topic.qryPMsg: {
        // The peer is in the payload; the stack leaves the frame's targetId empty. Only the user's
        // own sends make up the history here: received texts are not kept.
        const { targetId = '', count = 20 } = decodePayload('HistoryMsgInput', payload);
        const list = texts
          .filter((text) => text.fromUserId === userId && text.targetId === targetId)
          .slice(-count)
          .map((text) => downStreamText(text, targetId, 1));
        return encodePayload('HistoryMsgOuput', { list, syncTime: now, hasMsg: 0 });
      }
      case Topic.qAppBot:
        return encodePayload('BotOutput', { bots: [] });
      case Topic.pullEventChange:
        return encodePayload('EventChangeList', { list: [], syncTime: 0, hasNext: false });
      case Topic.pullUS:
        return encodePayload('PullUserSettingOutput', { items: [], version: 0 });
      case Topic.pullSeAtts:
        return encodePayload('SessionStates', { version: 0, state: [] });
      case Topic.pullModifyMsg:
        return encodePayload('PullModifyMsgResp', { msg: [], nextVersion: 0, finished: true });
      default:
        return new Uint8Array();
    }
  };

  const handleFrame = (socket: Socket, frame: NativeClientFrame) => {
    const now = Date.now();
    const userId = users.get(socket);
    frames.push({ userId, frame });
    switch (frame.type) {
      case 'CONNECT': {
        const acceptedUser = TOKEN_PATTERN.exec(frame.token)?.[1];
        if (!acceptedUser) {
          send(socket, { type: 'CONNACK', status: CONNACK_TOKEN_INCORRECT });
          socket.end();
          return;
        }
        users.set(socket, acceptedUser);
        send(socket, { type: 'CONNACK', status: CONNACK_ACCEPTED, session: { userId: acceptedUser, sessionId: `session-${now}`, timestamp: now } });
        return;
      }
      case 'PINGREQ':
        send(socket, { type: 'PINGRESP' });
        return;
      case 'PUBLISH': {
        const messageUId = nextUid();
        const { classname, content } = decodePayload('UpStreamMessage', frame.payload);
        if (userId && classname === 'RC:TxtMsg') {
          const { content: text } = JSON.parse(content) as { content: string };
          texts.push({ fromUserId: userId, targetId: frame.targetId, text, messageUId, sentTime: now });
        }
        send(socket, { type: 'PUBACK', messageId: frame.messageId, ...splitTimestamp(now), status: STATUS_OK, messageUId });
        return;
      }
      case 'QUERY':
        if (!userId) return;
        send(socket, {
          type: 'QUERYACK',
          messageId: frame.messageId,
          date: Math.floor(now / 1000),
          status: STATUS_OK,
          payload: answerQuery(userId, frame, now),
        });
        return;
      case 'DISCONNECT':
        socket.destroy();
        return;
      default:
        return;
    }
  };

  const tcpServer = createTcpServer((socket) => {
    const deframer = new NativeDeframer();
    socket.on('data', (chunk) => {
      try {
        deframer.push(chunk);
        for (let wire = deframer.read(); wire; wire = deframer.read()) handleFrame(socket, decodeNativeClientFrame(wire));
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => users.delete(socket));
  });

  const httpServer = createHttpServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      naviRequests.push({ method: request.method ?? '', url, headers: request.headers, body });
      if (request.method !== 'POST' || new URL(url, 'http://navi').pathname !== '/v2/navi.json') {
        response.statusCode = 404;
        response.end();
        return;
      }
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ code: 200, serverAddr: [{ addr: `127.0.0.1:${tcpPort}`, protocol: PROTOCOL_RMTP, weight: 1 }] }));
    });
  });

  const tcpPort = await listen(tcpServer);
  const httpPort = await listen(httpServer);

  return {
    naviUrl: `http://127.0.0.1:${httpPort}`,
    tcpPort,
    naviRequests,
    frames,
    texts,
    framesOf: <T extends NativeClientFrame['type']>(type: T) =>
      frames.map(({ frame }) => frame).filter((frame): frame is Extract<NativeClientFrame, { type: T }> => frame.type === type),
    pushText(userId, fromUserId, text) {
      const sentTime = Date.now();
      const message = downStreamText({ fromUserId, targetId: userId, text, messageUId: nextUid(), sentTime }, fromUserId);
      inboxes.set(userId, [...(inboxes.get(userId) ?? []), message]);
      const notice = encodePayload('NotifyMsg', { type: NotifyType.PULL_MESSAGES, time: sentTime });
      for (const [socket, connectedUser] of users) {
        if (connectedUser !== userId) continue;
        send(socket, { type: 'PUBLISH', date: Math.floor(sentTime / 1000), topic: Topic.s_ntf, targetId: userId, messageId: 0, payload: notice });
      }
      return message;
    },
    dropConnections(userId) {
      for (const [socket, connectedUser] of users) if (connectedUser === userId) socket.destroy();
    },
    async close() {
      for (const socket of users.keys()) socket.destroy();
      httpServer.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => tcpServer.close(resolve)),
        new Promise((resolve) => httpServer.close(resolve)),
      ]);
    },
  };
}

/**
 * A private text as the stack receives it. `direction` is 1 for the user's own sends and left out
 * for received messages: the native stack takes any other value for "sent by me" (docs/protocol.md, "Messages").
 */
function downStreamText(text: StoredText, conversationTargetId: string, direction?: 1): DownStreamMessage {
  return {
    fromUserId: direction === 1 ? conversationTargetId : text.fromUserId,
    type: ConversationType.PRIVATE,
    classname: 'RC:TxtMsg',
    content: JSON.stringify({ content: text.text }),
    dataTime: text.sentTime,
    status: PERSISTED_AND_COUNTED,
    msgId: text.messageUId,
    ...(direction === undefined ? {} : { direction }),
    toUserIds: [],
  };
}

async function listen(server: TcpServer | HttpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
