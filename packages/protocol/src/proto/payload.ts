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
  BotInput: true,
  BotOutput: true,
  QueryMsgChange: true,
  EventChangeList: true,
  PullUserSettingInput: true,
  PullUserSettingOutput: true,
  SessionReq: true,
  SessionStates: true,
  PullModifyMsgReq: true,
  PullModifyMsgResp: true,
  ReportSDKInput: true,
  DeleteMsgInput: true,
  CleanHisMsgInput: true,
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
    const problem = findMissingRequired(type, value, '') ?? type.verify(value as Record<string, unknown>);
    if (problem !== null) throw new PayloadEncodeError(name, problem);
    bytes = type.encode(value as Record<string, unknown>).finish();
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
    return type.toObject(message, TO_PLAIN_OBJECT) as PayloadTypes[N];
  } catch (error) {
    throw new PayloadDecodeError(name, describe(error), { cause: error });
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
