import { AckStatus } from '@parley/protocol';
import { z } from 'zod';
import { CHATROOM_ID_PATTERN } from '../../core/chatrooms/chatroom-rooms.js';
import type { Services } from '../../services.js';
import { ApiError } from '../api-error.js';
import { fieldSchemas as f, type FormMap } from './form.js';
import type { ApiRoute } from './server-api-plugin.js';
import { rongCloudTime } from './user-routes.js';

/** Rooms or users one call names at most. */
const MAX_PER_CALL = 100;
/** RongCloud's longest mute, block or ban: 30 days, in minutes. */
const MAX_GAG_MINUTES = 43_200;
/** Members `/chatroom/user/query` lists at most, as RongCloud. */
const MAX_MEMBERS_LISTED = 500;

const chatroomId = z.string().regex(CHATROOM_ID_PATTERN, 'must be 1 to 64 letters, digits, _ or -');
const roomName = z.string().min(1, 'must not be empty').refine((s) => Buffer.byteLength(s) <= 128, 'must be at most 128 bytes');

/**
 * The chatroom half of RongCloud's Server API, over core/chatrooms/: create (`chatroom[id]=name`,
 * as the official server SDK sends it), destroy, query, the member list, muting (gag) members,
 * blocking users from a room (which removes them and refuses their joins with 23409) and banning
 * them from speaking in every room of the app.
 * Rooms live in the nodes' memory (docs/protocol.md, "Chatrooms").
 */
export function chatroomRoutes({ chatrooms }: Pick<Services, 'chatrooms'>): ApiRoute[] {
  return [
    {
      path: 'chatroom/create',
      handle: async ({ app, request }) => {
        const fields = (request.body as FormMap | undefined) ?? new Map<string, string[]>();
        const rooms = [...fields].flatMap(([name, values]) => {
          const id = /^chatroom\[(.*)\]$/.exec(name)?.[1];
          return id === undefined ? [] : [{ id: check(`chatroom[${id}]`, chatroomId, id), name: check(name, roomName, values[0] ?? '') }];
        });
        if (rooms.length === 0) throw ApiError.badParameter('chatroom[id] is required');
        if (rooms.length > MAX_PER_CALL) throw ApiError.badParameter(`at most ${MAX_PER_CALL} chatrooms a call`);
        const refused = await chatrooms.create(app.appKey, rooms);
        if (refused === AckStatus.CHATROOM_IS_FULL) throw ApiError.badParameter('the app holds as many chatrooms as it may');
        return {};
      },
    },
    {
      path: 'chatroom/destroy',
      handle: async ({ app, form }) => {
        await chatrooms.destroy(app.appKey, form.many('chatroomId', chatroomId, { max: MAX_PER_CALL }));
        return {};
      },
    },
    {
      path: 'chatroom/query',
      handle: async ({ app, form }) => {
        const ids = form.many('chatroomId', chatroomId, { max: MAX_PER_CALL });
        const found = ids.flatMap((id) => {
          const room = chatrooms.rooms.get(app.appKey, id);
          return room ? [{ chrmId: room.id, name: room.name, time: rongCloudTime(room.createdAt) }] : [];
        });
        return { chatRooms: found };
      },
    },
    {
      path: 'chatroom/user/query',
      handle: async ({ app, form }) => {
        const room = roomOf(app.appKey, form.required('chatroomId', chatroomId));
        const count = form.required('count', f.integer(1, MAX_MEMBERS_LISTED));
        const order = form.optional('order', f.integer(1, 2)) ?? 1;
        const members = [...room.members].map(([id, time]) => ({ id, time: rongCloudTime(time) }));
        return { total: room.members.size, users: (order === 2 ? members.reverse() : members).slice(0, count) };
      },
    },
    {
      path: 'chatroom/user/gag/add',
      handle: async ({ app, form }) => {
        const userIds = form.many('userId', f.userId, { max: MAX_PER_CALL });
        const roomId = form.required('chatroomId', chatroomId);
        const minutes = form.required('minute', f.integer(1, MAX_GAG_MINUTES));
        if (!(await chatrooms.gag(app.appKey, roomId, userIds, minutes))) throw ApiError.badParameter('chatroomId names no chatroom');
        return {};
      },
    },
    {
      path: 'chatroom/user/gag/rollback',
      handle: async ({ app, form }) => {
        const userIds = form.many('userId', f.userId, { max: MAX_PER_CALL });
        if (!(await chatrooms.gag(app.appKey, form.required('chatroomId', chatroomId), userIds, 0))) throw ApiError.badParameter('chatroomId names no chatroom');
        return {};
      },
    },
    {
      path: 'chatroom/user/gag/list',
      handle: async ({ app, form }) => ({ users: stillHeld(roomOf(app.appKey, form.required('chatroomId', chatroomId)).gagged) }),
    },
    {
      path: 'chatroom/user/block/add',
      handle: async ({ app, form }) => {
        const userIds = form.many('userId', f.userId, { max: MAX_PER_CALL });
        const roomId = form.required('chatroomId', chatroomId);
        const minutes = form.required('minute', f.integer(1, MAX_GAG_MINUTES));
        if (!(await chatrooms.block(app.appKey, roomId, userIds, minutes))) throw ApiError.badParameter('chatroomId names no chatroom');
        return {};
      },
    },
    {
      path: 'chatroom/user/block/rollback',
      handle: async ({ app, form }) => {
        const userIds = form.many('userId', f.userId, { max: MAX_PER_CALL });
        if (!(await chatrooms.block(app.appKey, form.required('chatroomId', chatroomId), userIds, 0))) throw ApiError.badParameter('chatroomId names no chatroom');
        return {};
      },
    },
    {
      path: 'chatroom/user/block/list',
      handle: async ({ app, form }) => ({ users: stillHeld(roomOf(app.appKey, form.required('chatroomId', chatroomId)).blocked) }),
    },
    {
      path: 'chatroom/user/ban/add',
      handle: async ({ app, form }) => {
        const userIds = form.many('userId', f.userId, { max: MAX_PER_CALL });
        await chatrooms.ban(app.appKey, userIds, form.required('minute', f.integer(1, MAX_GAG_MINUTES)));
        return {};
      },
    },
    {
      path: 'chatroom/user/ban/remove',
      handle: async ({ app, form }) => {
        await chatrooms.ban(app.appKey, form.many('userId', f.userId, { max: MAX_PER_CALL }), 0);
        return {};
      },
    },
    {
      path: 'chatroom/user/ban/query',
      handle: async ({ app }) => ({ users: stillHeld(chatrooms.rooms.bansOf(app.appKey)) }),
    },
  ];

  function roomOf(appKey: string, roomId: string) {
    const room = chatrooms.rooms.get(appKey, roomId);
    if (!room) throw ApiError.badParameter('chatroomId names no chatroom');
    return room;
  }
}

/** The entries of a user → until map that have not run out, as RongCloud lists them. */
function stillHeld(until: ReadonlyMap<string, number>): { userId: string; time: string }[] {
  const now = Date.now();
  return [...until].filter(([, end]) => end > now).map(([userId, end]) => ({ userId, time: rongCloudTime(end) }));
}

function check<T>(name: string, schema: z.ZodType<T>, value: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw ApiError.badParameter(`${name}: ${result.error.issues[0]?.message ?? 'invalid value'}`);
  return result.data;
}
