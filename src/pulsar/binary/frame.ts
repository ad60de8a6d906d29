import { ScalerError } from "../../lib/errors.js";
import { crc32c } from "./crc32c.js";

/**
 * Pulsar binary frames as bytes (no protobuf here: src/pulsar/binary/commands.ts decodes the
 * command and metadata). Big-endian throughout:
 *   simple:  [totalSize u32][commandSize u32][BaseCommand]
 *   payload: [totalSize][commandSize][BaseCommand][0x0e01 u16][crc32c u32][metadataSize u32]
 *            [MessageMetadata][payload]
 * totalSize counts the bytes after itself. A broker forwards entries as the producer stored them,
 * so the checksum part may be absent, and a `[0x0e02][u32][BrokerEntryMetadata]` part may come
 * first (only for clients that asked for it).
 */
export const MAGIC_CRC32C = 0x0e01;
export const MAGIC_BROKER_ENTRY_METADATA = 0x0e02;
/** The broker's default maxMessageSize (5 MiB) plus the 10 KiB Pulsar allows for the headers. */
export const FRAME_SIZE_MARGIN = 10 * 1024;
export const DEFAULT_MAX_FRAME_SIZE = 5 * 1024 * 1024 + FRAME_SIZE_MARGIN;

/** A frame that is not Pulsar's: too big (HTTP or TLS sent to the port), too small, or cut short. */
export class FrameError extends ScalerError {}

export interface PayloadSection {
  readonly metadata: Uint8Array;
  readonly payload: Uint8Array;
  /** Whether the CRC32C matched; `undefined` when the frame carries no checksum. */
  readonly checksumOk: boolean | undefined;
  readonly brokerEntryMetadata: Uint8Array | undefined;
}

/** A frame's parts, as views into the frame's bytes. */
export interface RawFrame {
  readonly command: Uint8Array;
  readonly payload: PayloadSection | undefined;
}

export interface PayloadToEncode {
  readonly metadata: Uint8Array;
  readonly payload: Uint8Array;
  /** Write the 0x0e01 magic and CRC32C (default true; false writes an entry as old clients did). */
  readonly checksum?: boolean;
}

/** A whole frame, totalSize included. */
export function encodeFrame(command: Uint8Array, payload?: PayloadToEncode): Buffer {
  if (payload === undefined) {
    const out = Buffer.allocUnsafe(8 + command.length);
    out.writeUInt32BE(4 + command.length, 0);
    out.writeUInt32BE(command.length, 4);
    out.set(command, 8);
    return out;
  }
  const checksum = payload.checksum ?? true;
  const sizeAndMetadata = Buffer.allocUnsafe(4 + payload.metadata.length);
  sizeAndMetadata.writeUInt32BE(payload.metadata.length, 0);
  sizeAndMetadata.set(payload.metadata, 4);
  const checksumPart = Buffer.allocUnsafe(checksum ? 6 : 0);
  if (checksum) {
    checksumPart.writeUInt16BE(MAGIC_CRC32C, 0);
    checksumPart.writeUInt32BE(crc32c(sizeAndMetadata, payload.payload), 2);
  }
  const head = Buffer.allocUnsafe(8);
  const total = 4 + command.length + checksumPart.length + sizeAndMetadata.length + payload.payload.length;
  head.writeUInt32BE(total, 0);
  head.writeUInt32BE(command.length, 4);
  return Buffer.concat([head, command, checksumPart, sizeAndMetadata, payload.payload]);
}

/** Splits a frame body (the bytes after totalSize) into command and payload parts. */
export function parseFrame(body: Uint8Array): RawFrame {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.length < 4) throw new FrameError(`frame of ${body.length} bytes has no command size`);
  const commandSize = view.getUint32(0);
  if (commandSize > body.length - 4) {
    throw new FrameError(`command size ${commandSize} exceeds the frame (${body.length - 4} bytes left)`);
  }
  const command = body.subarray(4, 4 + commandSize);
  let at = 4 + commandSize;
  if (at === body.length) return { command, payload: undefined };
  const u16 = (): number | undefined => (at + 2 <= body.length ? view.getUint16(at) : undefined);
  const u32 = (where: string): number => {
    if (at + 4 > body.length) throw new FrameError(`payload frame cut short before its ${where}`);
    const v = view.getUint32(at);
    at += 4;
    return v;
  };
  let brokerEntryMetadata: Uint8Array | undefined;
  if (u16() === MAGIC_BROKER_ENTRY_METADATA) {
    at += 2;
    const size = u32("broker entry metadata size");
    brokerEntryMetadata = slice(body, at, size, "broker entry metadata");
    at += size;
  }
  let expected: number | undefined;
  if (u16() === MAGIC_CRC32C) {
    at += 2;
    expected = u32("checksum");
  }
  const checked = body.subarray(at);
  const metadataSize = u32("metadata size");
  const metadata = slice(body, at, metadataSize, "metadata");
  const payload = body.subarray(at + metadataSize);
  const checksumOk = expected === undefined ? undefined : crc32c(checked) === expected;
  return { command, payload: { metadata, payload, checksumOk, brokerEntryMetadata } };
}

function slice(body: Uint8Array, at: number, size: number, what: string): Uint8Array {
  if (at + size > body.length) throw new FrameError(`${what} of ${size} bytes exceeds the frame`);
  return body.subarray(at, at + size);
}

/**
 * Cuts a TCP byte stream into frame bodies. A totalSize above the limit is refused before any
 * buffering: an HTTP request ("GET " = 1195725856) or a TLS ClientHello (0x16030...) sent to the
 * port reads as an absurd size, and waiting for that many bytes would hang or exhaust memory.
 */
export class FrameSplitter {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;

  /** `maxFrameSize` bounds totalSize; raise it once CONNECTED tells the broker's limit. */
  constructor(public maxFrameSize: number = DEFAULT_MAX_FRAME_SIZE) {}

  /** Frame bodies completed by this chunk, in order. Throws FrameError on a frame that is not Pulsar's. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peekHead();
      const total = head.readUInt32BE(0);
      if (total > this.maxFrameSize) {
        throw new FrameError(
          `frame size ${total} exceeds the ${this.maxFrameSize}-byte limit: not a Pulsar binary peer ` +
            `(first bytes ${head.toString("hex")}: HTTP or TLS on a plain Pulsar port?)`,
        );
      }
      if (total < 4) throw new FrameError(`frame size ${total} is too small for a command`);
      if (this.buffered < 4 + total) break;
      const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
      frames.push(all.subarray(4, 4 + total));
      const rest = all.subarray(4 + total);
      this.chunks.length = 0;
      if (rest.length > 0) this.chunks.push(rest);
      this.buffered = rest.length;
    }
    return frames;
  }

  private peekHead(): Buffer {
    const first = this.chunks[0] as Buffer;
    return first.length >= 4 ? first.subarray(0, 4) : Buffer.concat(this.chunks).subarray(0, 4);
  }
}
