import { InvalidMessageIdError } from "../errors.js";

/**
 * Message ids on the WebSocket API are base64 of a MessageIdData protobuf:
 * ledgerId = 1, entryId = 2, partition = 3 (absent for -1), batch_index = 4 (all varints).
 * A tiny varint codec is all that is needed; unknown fields are skipped when decoding.
 */
export interface MessageIdParts {
  readonly ledgerId: number;
  readonly entryId: number;
  /** -1 when the topic is not a partition. */
  readonly partition: number;
  /** -1 when the message is not part of a batch. */
  readonly batchIndex: number;
  /** Messages in the batch (batch_size = 6), written by a batch message's id. */
  readonly batchSize?: number;
}

function pushVarint(out: number[], value: bigint): void {
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

export function encodeMessageId(id: MessageIdParts): string {
  const out: number[] = [];
  const field = (n: number, v: number) => {
    out.push(n << 3);
    pushVarint(out, BigInt(v));
  };
  field(1, id.ledgerId);
  field(2, id.entryId);
  if (id.partition >= 0) field(3, id.partition);
  if (id.batchIndex >= 0) field(4, id.batchIndex);
  if (id.batchSize !== undefined && id.batchSize > 0) field(6, id.batchSize);
  return Buffer.from(out).toString("base64");
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length && shift < 70n; i++) {
    const b = buf[i] ?? 0;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, i + 1];
    shift += 7n;
  }
  throw new InvalidMessageIdError("truncated varint in message id");
}

/** Signed int64 view of a decoded varint, as a JS number. */
function toNumber(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

export function decodeMessageId(b64: string): MessageIdParts {
  if (typeof b64 !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64) || b64.length === 0) {
    throw new InvalidMessageIdError(`message id is not base64: ${JSON.stringify(b64)}`);
  }
  const buf = Buffer.from(b64, "base64");
  const fields = new Map<number, number>();
  let pos = 0;
  while (pos < buf.length) {
    const [key, next] = readVarint(buf, pos);
    pos = next;
    const fieldNo = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, after] = readVarint(buf, pos);
      pos = after;
      fields.set(fieldNo, toNumber(v));
    } else if (wire === 2) {
      const [len, after] = readVarint(buf, pos);
      pos = after + Number(len);
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new InvalidMessageIdError(`unsupported wire type ${wire} in message id`);
    if (pos > buf.length) throw new InvalidMessageIdError("truncated message id");
  }
  const ledgerId = fields.get(1);
  const entryId = fields.get(2);
  if (ledgerId === undefined || entryId === undefined) {
    throw new InvalidMessageIdError("message id lacks ledgerId or entryId");
  }
  return { ledgerId, entryId, partition: fields.get(3) ?? -1, batchIndex: fields.get(4) ?? -1 };
}
