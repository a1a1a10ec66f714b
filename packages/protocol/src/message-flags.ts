/**
 * `UpStreamMessage.sessionId`: the bits a sender sets to say how a message is treated. The SDK
 * derives them from the message type's registration; a status message (typing and the like, sent on
 * the `*MsgS` topics) carries neither PERSISTED nor COUNTED, so it is never stored.
 */
export const MessageFlag = {
  /** Kept in history and in the conversation list. */
  PERSISTED: 1,
  /** Counted as unread by the recipients. */
  COUNTED: 2,
  MENTIONED: 4,
  /** No push notification for it. */
  NO_NOTIFICATION: 32,
  /** It may carry an expansion (key-value pairs edited after sending). */
  EXPANDABLE: 64,
} as const;
export type MessageFlag = (typeof MessageFlag)[keyof typeof MessageFlag];

/** What an ordinary message (text, image, file) carries, as the SDK sends it. */
export const ORDINARY_MESSAGE_FLAGS = MessageFlag.PERSISTED | MessageFlag.COUNTED;

/**
 * `DownStreamMessage.status`: the same facts as {@link MessageFlag}, at other bit positions, as the
 * SDK reads them back from a pull, a history page or a conversation list.
 */
export const DownStreamStatus: { readonly [name in keyof typeof MessageFlag]: number } = {
  PERSISTED: 16,
  COUNTED: 32,
  MENTIONED: 64,
  NO_NOTIFICATION: 512,
  EXPANDABLE: 1024,
};

/** `DownStreamMessage.extStatus` bit the SDKs read as `isStatusMessage`: a message sent live, never stored. */
export const EXT_STATUS_STATUS_MESSAGE = 64;

const flagNames = Object.keys(MessageFlag) as (keyof typeof MessageFlag)[];

/** The down-stream status of a message sent with `flags`; bits without a meaning are dropped. */
export function downStreamStatusOf(flags: number): number {
  let status = 0;
  for (const name of flagNames) if (flags & MessageFlag[name]) status |= DownStreamStatus[name];
  return status;
}
