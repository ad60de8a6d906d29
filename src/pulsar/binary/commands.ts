import { join } from "node:path";
import protobuf from "protobufjs";
import { packageRoot } from "../../lib/package-root.js";
import { encodeFrame, FrameError, parseFrame, type PayloadSection } from "./frame.js";
import { BaseCommand_Type, type Command, type MessageMetadata } from "./generated/pulsar-api.js";

/**
 * Typed BaseCommand and MessageMetadata encoding over proto/pulsar/pulsar-api.proto, loaded at run
 * time with protobufjs (the types in generated/ come from the same file). 64-bit fields are
 * bigint both ways: JS numbers would turn MessageId.latest (2^63-1) into 2^63, a negative long to
 * the broker, which then reads the whole topic (PULSAR-BINARY.md §8).
 */

/** A command type this codec does not know (a newer broker's): ignored by the client, never a crash. */
export interface UnknownCommand {
  readonly type: "unknown";
  readonly code: number;
}

export interface DecodedFrame {
  readonly command: Command | UnknownCommand;
  /** MESSAGE (and SEND) frames: the metadata and payload bytes, payload never decoded. */
  readonly payload: PayloadSection | undefined;
}

export interface PayloadToSend {
  readonly metadata: MessageMetadata | Uint8Array;
  readonly payload: Uint8Array;
  /** Write the 0x0e01 magic and CRC32C (default true). */
  readonly checksum?: boolean;
}

export interface PulsarCodec {
  /** One whole frame (totalSize included), a payload frame when `payload` is given. */
  encodeCommand(command: Command, payload?: PayloadToSend): Buffer;
  /** A frame body from FrameSplitter. Throws FrameError on bytes that are not a BaseCommand. */
  decodeFrame(body: Uint8Array): DecodedFrame;
  encodeMetadata(metadata: MessageMetadata): Uint8Array;
  decodeMetadata(bytes: Uint8Array): MessageMetadata;
  /** publish_time (epoch ms) of a MessageMetadata, the payload left alone. */
  publishTime(metadata: Uint8Array): number;
}

export function pulsarApiProtoPath(): string {
  return join(packageRoot(), "proto", "pulsar", "pulsar-api.proto");
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: BigInt,
  enums: Number,
  defaults: false,
  arrays: false,
};

/** Loads the proto (synchronously, once per caller: keep the codec, it holds no connection state). */
export function loadPulsarCodec(protoPath: string = pulsarApiProtoPath()): PulsarCodec {
  const root = new protobuf.Root().loadSync(protoPath, { keepCase: true });
  root.resolveAll();
  const base = root.lookupType("pulsar.proto.BaseCommand");
  const metadataType = root.lookupType("pulsar.proto.MessageMetadata");
  // Type value -> the BaseCommand field of the same number, and whether an absent one may read as {}.
  const fields = new Map<number, { name: string; emptyOk: boolean }>();
  for (const value of Object.values(BaseCommand_Type)) {
    const field = base.fieldsById[value];
    const sub = field?.resolve().resolvedType;
    if (field === undefined || !(sub instanceof protobuf.Type)) {
      throw new Error(`${protoPath}: BaseCommand has no message field ${value}`);
    }
    fields.set(value, { name: field.name, emptyOk: sub.fieldsArray.every((f) => !f.required) });
  }

  const decodeAs = (type: protobuf.Type, bytes: Uint8Array, what: string): Record<string, unknown> => {
    try {
      return type.toObject(type.decode(bytes), TO_OBJECT);
    } catch (err) {
      throw new FrameError(`malformed ${what}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  };
  const encodeMetadata = (metadata: MessageMetadata): Uint8Array =>
    metadataType.encode(metadataType.fromObject(metadata)).finish();
  const decodeMetadata = (bytes: Uint8Array): MessageMetadata =>
    decodeAs(metadataType, bytes, "MessageMetadata") as unknown as MessageMetadata;

  return {
    encodeCommand(command, payload) {
      const bytes = base.encode(base.fromObject(command)).finish();
      if (payload === undefined) return encodeFrame(bytes);
      const metadata =
        payload.metadata instanceof Uint8Array ? payload.metadata : encodeMetadata(payload.metadata);
      return encodeFrame(bytes, { metadata, payload: payload.payload, checksum: payload.checksum ?? true });
    },
    decodeFrame(body) {
      const raw = parseFrame(body);
      const obj = decodeAs(base, raw.command, "BaseCommand");
      const code = obj["type"] as number;
      const field = fields.get(code);
      if (field === undefined) return { command: { type: "unknown", code }, payload: raw.payload };
      let sub = obj[field.name];
      if (sub === undefined) {
        if (!field.emptyOk)
          throw new FrameError(`BaseCommand of type ${code} without its ${field.name} field`);
        sub = {};
      }
      return { command: { type: code, [field.name]: sub } as unknown as Command, payload: raw.payload };
    },
    encodeMetadata,
    decodeMetadata,
    publishTime: (metadata) => Number(decodeMetadata(metadata).publish_time),
  };
}
