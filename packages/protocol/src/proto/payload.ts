import protobuf from 'protobufjs';
import type { PayloadInput, PayloadName, PayloadTypes } from './messages.js';
import { PROTO_PACKAGE, PROTO_SCHEMA } from './schema.js';

export class PayloadDecodeError extends Error {
  override readonly name = 'PayloadDecodeError';
  constructor(
    readonly payloadName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot decode ${payloadName}: ${message}`, options);
  }
}

export class PayloadEncodeError extends Error {
  override readonly name = 'PayloadEncodeError';
  constructor(
    readonly payloadName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot encode ${payloadName}: ${message}`, options);
  }
}

const TO_PLAIN_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  arrays: true,
};

// resolveAll() is what turns `required` into a checked rule: protobufjs resolves field presence
// lazily, and before that its decoder and verifier treat every field as optional.
const root = protobuf.parse(PROTO_SCHEMA, { keepCase: true }).root;
root.resolveAll();
const namespace = root.lookup(PROTO_PACKAGE);
if (!(namespace instanceof protobuf.Namespace)) throw new Error(`schema has no package ${PROTO_PACKAGE}`);

// A Record rather than an array so the compiler insists on every name of PayloadTypes, once.
const payloadNameSet: Record<PayloadName, true> = {
  UpStreamMessage: true,
  DownStreamMessage: true,
  DownStreamMessages: true,
  SyncRequestMsg: true,
  NotifyMsg: true,
  HistoryMsgInput: true,
  HistoryMsgOuput: true,
  RelationQryInput: true,
  RelationsOutput: true,
  RelationDelBatchReq: true,
  SessionQryInput: true,
  SessionsOutput: true,
  GetQNupTokenInput: true,
  GetQNupTokenOutput: true,
  GetDownloadUrlInput: true,
  GetDownloadUrlOutput: true,
  BotInput: true,
  BotOutput: true,
  QueryMsgChange: true,
  EventChangeList: true,
  PullUserSettingInput: true,
  PullUserSettingOutput: true,
  SessionReq: true,
  SessionStates: true,
  SessionStateModifyReq: true,
  SessionStateModifyResp: true,
  PullModifyMsgReq: true,
  PullModifyMsgResp: true,
  ReportSDKInput: true,
  DeleteMsgInput: true,
  CleanHisMsgInput: true,
  CleanMsgBatchReq: true,
  MsgChangeReq: true,
  ModifyMsgResp: true,
  GrpReadReceiptMsg: true,
  GrpReadReceiptQryResp: true,
  SessionMsgReadInput: true,
  UpdateUserSubReq: true,
  UpdateUserSubResp: true,
  PullUserSubReq: true,
  PUllUserSubResp: true,
  PullSubDataReq: true,
  PullSubDataResp: true,
  SubDataDetail: true,
  QrySubDataReq: true,
  ChrmInput: true,
  ChrmOutput: true,
  ChrmPullMsg: true,
  ChrmDownStreamMessages: true,
  QueryChatRoomInfoInput: true,
  QueryChatRoomInfoOutput: true,
  SetChrmKV: true,
  SetChrmKVS: true,
  ChrmKVOutput: true,
  ChrmKVSOutput: true,
  QueryChrmKV: true,
};

/** The top-level messages `encodePayload` and `decodePayload` handle. */
export const PAYLOAD_NAMES = Object.freeze(Object.keys(payloadNameSet) as PayloadName[]);

const messageTypes = new Map<string, protobuf.Type>(
  PAYLOAD_NAMES.map((name) => {
    const type = namespace.get(name);
    if (!(type instanceof protobuf.Type)) throw new Error(`schema has no message ${name}`);
    return [name, type];
  }),
);

export function isPayloadName(name: string): name is PayloadName {
  return messageTypes.has(name);
}

/**
 * Serializes `value` as the protobuf message `name`. Throws `PayloadEncodeError` when a required
 * field is missing or a field has the wrong type, so nothing the SDK's decoder rejects goes out.
 */
export function encodePayload<N extends PayloadName>(name: N, value: PayloadInput<PayloadTypes[N]>): Uint8Array {
  const type = messageTypes.get(name);
  if (!type) throw new PayloadEncodeError(name, 'unknown message');
  let bytes: Uint8Array;
  try {
    const wire = identifiersForWire(type, value as Record<string, unknown>, '');
    const problem = findMissingRequired(type, wire, '') ?? type.verify(wire);
    if (problem !== null) throw new PayloadEncodeError(name, problem);
    bytes = type.encode(wire).finish();
  } catch (error) {
    if (error instanceof PayloadEncodeError) throw error;
    throw new PayloadEncodeError(name, describe(error), { cause: error });
  }
  // In Node protobufjs hands back a Buffer; callers get a plain Uint8Array view on every platform.
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses `bytes` as the protobuf message `name`. Anything malformed, including a missing
 * required field, throws `PayloadDecodeError` and nothing else.
 */
export function decodePayload<N extends PayloadName>(name: N, bytes: Uint8Array): PayloadTypes[N] {
  const type = messageTypes.get(name);
  if (!type) throw new PayloadDecodeError(name, 'unknown message');
  try {
    // A private plain copy: bytes fields in the result are views into it, so they never alias the
    // caller's buffer, and protobufjs never switches to its Buffer reader for Node input.
    const message = type.decode(new Uint8Array(bytes));
    const plain = type.toObject(message, TO_PLAIN_OBJECT);
    keepIdentifiersWhole(type, message, plain);
    return plain as PayloadTypes[N];
  } catch (error) {
    throw new PayloadDecodeError(name, describe(error), { cause: error });
  }
}

/** protobufjs's 64-bit integer class (its typings leave out the static parser). */
const LongType = protobuf.util.Long as unknown as { fromString(value: string): protobuf.Long };

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** A decimal string an int64 holds exactly: anything longer would wrap silently in the encoder. */
function isInt64(value: string): boolean {
  if (!/^-?\d{1,19}$/.test(value)) return false;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** int64 fields that are identifiers, not quantities: decoded as decimal strings, every digit kept. */
const IDENTIFIER_FIELDS: ReadonlySet<string> = new Set(['clientUniqueId']);

/**
 * A copy of `value` whose identifier fields (decimal strings in our types) are the int64 values
 * protobufjs encodes; everything else is shared, not copied.
 */
function identifiersForWire(type: protobuf.Type, value: Record<string, unknown>, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return value;
  let copy: Record<string, unknown> | undefined;
  const set = (key: string, item: unknown) => ((copy ??= { ...value })[key] = item);
  for (const field of type.fieldsArray) {
    const item = value[field.name];
    if (item === undefined || item === null) continue;
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    if (IDENTIFIER_FIELDS.has(field.name) && typeof item === 'string') {
      if (!isInt64(item)) throw new PayloadEncodeError(type.name, `${fieldPath}: a decimal int64 expected`);
      set(field.name, LongType.fromString(item));
    } else if (field.resolvedType instanceof protobuf.Type) {
      const nested = field.resolvedType;
      if (field.repeated && Array.isArray(item)) {
        const items = item.map((entry: Record<string, unknown>, i) => identifiersForWire(nested, entry, `${fieldPath}[${i}]`));
        if (items.some((entry, i) => entry !== item[i])) set(field.name, items);
      } else {
        const converted = identifiersForWire(nested, item as Record<string, unknown>, fieldPath);
        if (converted !== item) set(field.name, converted);
      }
    }
  }
  return copy ?? value;
}

/**
 * Rewrites identifier fields of a decoded message (nested messages included) from the numbers the
 * plain copy holds to the exact decimal of the wire value. Walks only what was decoded, so its work
 * is bounded by the input.
 */
function keepIdentifiersWhole(type: protobuf.Type, decoded: protobuf.Message, plain: Record<string, unknown>): void {
  const source = decoded as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    // Absent fields read as their defaults from the prototype: only what the bytes held counts.
    if (!Object.prototype.hasOwnProperty.call(source, field.name)) continue;
    const value = source[field.name];
    if (value === undefined || value === null) continue;
    if (IDENTIFIER_FIELDS.has(field.name) && !field.repeated) {
      plain[field.name] = String(value);
    } else if (field.resolvedType instanceof protobuf.Type) {
      const nestedType = field.resolvedType;
      const decodedItems = field.repeated ? (value as protobuf.Message[]) : [value as protobuf.Message];
      const plainItems = field.repeated ? (plain[field.name] as Record<string, unknown>[]) : [plain[field.name] as Record<string, unknown>];
      decodedItems.forEach((item, index) => {
        const target = plainItems[index];
        if (target) keepIdentifiersWhole(nestedType, item, target);
      });
    }
  }
}

/**
 * Names the first required field left out, nested messages included. protobufjs's verifier would
 * reject the value too, but reports it as a type mismatch ("string expected").
 */
function findMissingRequired(type: protobuf.Type, value: unknown, path: string): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    const fieldValue = record[field.name];
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    if (fieldValue === undefined || fieldValue === null) {
      if (field.required) return `missing required field ${fieldPath}`;
      continue;
    }
    if (!(field.resolvedType instanceof protobuf.Type)) continue;
    const nested = field.repeated && Array.isArray(fieldValue) ? fieldValue : [fieldValue];
    for (const [index, item] of nested.entries()) {
      const itemPath = field.repeated ? `${fieldPath}[${index}]` : fieldPath;
      const problem = findMissingRequired(field.resolvedType, item, itemPath);
      if (problem !== null) return problem;
    }
  }
  return null;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A DownStreamMessages page from messages encoded beforehand (`encodePayload('DownStreamMessage',
 * …)`): the bytes `encodePayload` gives for the same page, without encoding again a message that
 * many inboxes share. Only the fields a pull answer carries.
 */
export function encodeDownStreamPage(list: readonly Uint8Array[], syncTime: number, finished: boolean): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const item of list) writer.uint32(pageFields.list).bytes(item);
  writer.uint32(pageFields.syncTime).int64(syncTime);
  writer.uint32(pageFields.finished).bool(finished);
  const bytes = writer.finish();
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The tags (field number and wire type) of the DownStreamMessages fields a page writes, read from the schema. */
const pageFields = (() => {
  const type = messageTypes.get('DownStreamMessages') as protobuf.Type;
  const tag = (name: string, wireType: number): number => {
    const field = type.fields[name];
    if (!field) throw new Error(`DownStreamMessages has no field ${name}`);
    return (field.id << 3) | wireType;
  };
  return { list: tag('list', 2), syncTime: tag('syncTime', 0), finished: tag('finished', 0) };
})();
