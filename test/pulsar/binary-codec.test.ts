import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPulsarCodec } from "../../src/pulsar/binary/commands.js";
import { crc32c } from "../../src/pulsar/binary/crc32c.js";
import {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  FrameError,
  FrameSplitter,
  parseFrame,
} from "../../src/pulsar/binary/frame.js";
import {
  BaseCommand_Type,
  CommandSubscribe_InitialPosition,
  CommandSubscribe_SubType,
  type Command,
  type MessageMetadata,
} from "../../src/pulsar/binary/generated/pulsar-api.js";

const codec = loadPulsarCodec();
const LATEST = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

/** Runs a whole frame (totalSize included) through a fresh splitter and decodes the one body. */
function roundTrip(frame: Buffer): ReturnType<typeof codec.decodeFrame> {
  const bodies = new FrameSplitter().push(frame);
  assert.equal(bodies.length, 1);
  return codec.decodeFrame(bodies[0] as Buffer);
}

const metadata: MessageMetadata = { producer_name: "p-1", sequence_id: 7n, publish_time: 1_733_000_000_123n };

void test("crc32c: the Castagnoli check value, and parts hash as their concatenation", () => {
  assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
  assert.equal(crc32c(Buffer.from("1234"), Buffer.from("56789")), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

void test("commands: a simple frame round trip keeps every field, bigints exact", () => {
  const connect: Command = {
    type: BaseCommand_Type.CONNECT,
    connect: {
      client_version: "pulsar-push-scaler",
      protocol_version: 20,
      auth_method_name: "token",
      auth_data: Buffer.from("jwt"),
      feature_flags: { supports_auth_refresh: true, supports_broker_entry_metadata: false },
    },
  };
  const decoded = roundTrip(codec.encodeCommand(connect));
  assert.equal(decoded.payload, undefined);
  assert.equal(decoded.command.type, BaseCommand_Type.CONNECT);
  if (decoded.command.type !== BaseCommand_Type.CONNECT) return;
  assert.equal(decoded.command.connect.client_version, "pulsar-push-scaler");
  assert.equal(decoded.command.connect.protocol_version, 20);
  assert.equal(Buffer.from(decoded.command.connect.auth_data ?? []).toString(), "jwt");
  assert.deepEqual(decoded.command.connect.feature_flags, {
    supports_auth_refresh: true,
    supports_broker_entry_metadata: false,
  });

  const close = roundTrip(
    codec.encodeCommand({
      type: BaseCommand_Type.CLOSE_CONSUMER,
      close_consumer: { consumer_id: 3n, request_id: U64_MAX },
    }),
  );
  assert.deepEqual(close.command, {
    type: BaseCommand_Type.CLOSE_CONSUMER,
    close_consumer: { consumer_id: 3n, request_id: U64_MAX },
  });
});

void test("commands: PING and PONG are empty sub-messages, and one without its field still decodes", () => {
  const ping = roundTrip(codec.encodeCommand({ type: BaseCommand_Type.PING, ping: {} }));
  assert.deepEqual(ping.command, { type: BaseCommand_Type.PING, ping: {} });
  // [type=PONG] only: field 1 varint 19, no field 19.
  const bare = Buffer.from([0x08, 19]);
  assert.deepEqual(codec.decodeFrame(encodeFrame(bare).subarray(4)).command, {
    type: BaseCommand_Type.PONG,
    pong: {},
  });
});

void test("commands: a type this codec does not know decodes as unknown, one missing a required part is a FrameError", () => {
  // type 64 (WATCH_TOPIC_LIST) with a field 64 the subset does not have: skipped, not a crash.
  const watch = Buffer.from([0x08, 64, 0x82, 0x04, 0x02, 0x08, 0x01]);
  assert.deepEqual(codec.decodeFrame(encodeFrame(watch).subarray(4)).command, { type: "unknown", code: 64 });
  const connectedWithout = Buffer.from([0x08, 3]);
  assert.throws(() => codec.decodeFrame(encodeFrame(connectedWithout).subarray(4)), FrameError);
  assert.throws(() => codec.decodeFrame(encodeFrame(Buffer.from([0xff, 0xff])).subarray(4)), FrameError);
});

void test("commands: 2^63-1 (MessageId.latest) goes on the wire exactly, as a 9-byte varint, and reads back", () => {
  const subscribe: Command = {
    type: BaseCommand_Type.SUBSCRIBE,
    subscribe: {
      topic: "persistent://public/default/t",
      subscription: "pps-tripwire-0123456789",
      subType: CommandSubscribe_SubType.Exclusive,
      consumer_id: 1n,
      request_id: 2n,
      durable: false,
      start_message_id: { ledgerId: LATEST, entryId: LATEST },
      initialPosition: CommandSubscribe_InitialPosition.Latest,
      force_topic_creation: false,
    },
  };
  const frame = codec.encodeCommand(subscribe);
  // start_message_id (field 9, 20 bytes): ledgerId (field 1) and entryId (field 2), each 2^63-1 as
  // the varint ff x8 then 7f (2^63, what a JS number makes of it, would end in 80 01).
  const latest = "ffffffffffffffff7f";
  const messageId = Buffer.from(`4a1408${latest}10${latest}`, "hex");
  assert.equal(frame.indexOf(messageId) > 0, true, frame.toString("hex"));
  const decoded = roundTrip(frame);
  assert.deepEqual(decoded.command, subscribe);
});

void test("payload frame: checksum written and verified, metadata publish_time read without the payload", () => {
  const payload = Buffer.from("the payload is never decoded");
  const frame = codec.encodeCommand(
    {
      type: BaseCommand_Type.MESSAGE,
      message: { consumer_id: 1n, message_id: { ledgerId: 5n, entryId: 9n } },
    },
    { metadata, payload },
  );
  const body = frame.subarray(4);
  const raw = parseFrame(body);
  const commandSize = body.readUInt32BE(0);
  assert.equal(body.readUInt16BE(4 + commandSize), 0x0e01);
  assert.equal(raw.payload?.checksumOk, true);
  assert.deepEqual(Buffer.from(raw.payload?.payload ?? []), payload);
  const decoded = codec.decodeFrame(body);
  assert.equal(codec.publishTime(decoded.payload?.metadata ?? new Uint8Array()), 1_733_000_000_123);
  assert.deepEqual(codec.decodeMetadata(decoded.payload?.metadata ?? new Uint8Array()), metadata);
  // A flipped payload byte fails the checksum, the frame still parses.
  body.writeUInt8(body.readUInt8(body.length - 1) ^ 0xff, body.length - 1);
  assert.equal(parseFrame(body).payload?.checksumOk, false);
});

void test("payload frame: without the 0x0e01 magic (an entry stored as sent) it parses, checksum unknown", () => {
  const payload = Buffer.from([0x0e, 0x01, 0x02]);
  const frame = codec.encodeCommand(
    {
      type: BaseCommand_Type.MESSAGE,
      message: { consumer_id: 4n, message_id: { ledgerId: 1n, entryId: 2n } },
    },
    { metadata, payload, checksum: false },
  );
  const decoded = roundTrip(frame);
  assert.equal(decoded.payload?.checksumOk, undefined);
  assert.deepEqual(Buffer.from(decoded.payload?.payload ?? []), payload);
  assert.equal(codec.publishTime(decoded.payload?.metadata ?? new Uint8Array()), 1_733_000_000_123);
});

void test("payload frame: broker entry metadata (0x0e02) before the checksum is skipped", () => {
  const frame = codec.encodeCommand(
    {
      type: BaseCommand_Type.MESSAGE,
      message: { consumer_id: 4n, message_id: { ledgerId: 1n, entryId: 2n } },
    },
    { metadata, payload: Buffer.from("x") },
  );
  const body = frame.subarray(4);
  const commandEnd = 4 + body.readUInt32BE(0);
  const entry = Buffer.from([0x0e, 0x02, 0, 0, 0, 2, 0x08, 0x01]);
  const withEntry = Buffer.concat([body.subarray(0, commandEnd), entry, body.subarray(commandEnd)]);
  const raw = parseFrame(withEntry);
  assert.deepEqual(Buffer.from(raw.payload?.brokerEntryMetadata ?? []), Buffer.from([0x08, 0x01]));
  assert.equal(raw.payload?.checksumOk, true);
  assert.equal(codec.publishTime(raw.payload?.metadata ?? new Uint8Array()), 1_733_000_000_123);
});

void test("splitter: two frames split at every byte boundary come out whole and in order", () => {
  const a = codec.encodeCommand({
    type: BaseCommand_Type.FLOW,
    flow: { consumer_id: 1n, messagePermits: 1 },
  });
  const b = codec.encodeCommand(
    {
      type: BaseCommand_Type.MESSAGE,
      message: { consumer_id: 1n, message_id: { ledgerId: 1n, entryId: 0n } },
    },
    { metadata, payload: Buffer.from("payload") },
  );
  const stream = Buffer.concat([a, b]);
  for (let cut = 0; cut <= stream.length; cut++) {
    for (let cut2 = cut; cut2 <= stream.length; cut2 += 7) {
      const splitter = new FrameSplitter();
      const bodies = [
        ...splitter.push(stream.subarray(0, cut)),
        ...splitter.push(stream.subarray(cut, cut2)),
        ...splitter.push(stream.subarray(cut2)),
      ];
      assert.deepEqual(bodies, [a.subarray(4), b.subarray(4)], `cuts ${cut}/${cut2}`);
    }
  }
  const bytewise = new FrameSplitter();
  const bodies = [...stream].flatMap((byte) => bytewise.push(Buffer.from([byte])));
  assert.deepEqual(bodies, [a.subarray(4), b.subarray(4)]);
});

void test("splitter: an HTTP request or a TLS ClientHello on the port is refused at once, with a clear error", () => {
  const http = Buffer.from("GET /admin/v2/clusters HTTP/1.1\r\nHost: broker\r\n\r\n");
  const clientHello = Buffer.from("16030100f8010000f40303", "hex");
  for (const bytes of [http, clientHello]) {
    assert.throws(
      () => new FrameSplitter().push(bytes),
      (err: unknown) =>
        err instanceof FrameError &&
        /exceeds the 5253120-byte limit: not a Pulsar binary peer/.test(err.message) &&
        err.message.includes(bytes.subarray(0, 4).toString("hex")),
    );
  }
  // Refused on the first 4 bytes: nothing more needs to arrive.
  assert.throws(() => new FrameSplitter().push(http.subarray(0, 4)), FrameError);
  assert.equal(DEFAULT_MAX_FRAME_SIZE, 5_253_120);
});

void test("splitter: the limit is the configured one (CONNECTED.max_message_size + 10 KiB), and tiny sizes are refused", () => {
  const frame = codec.encodeCommand({ type: BaseCommand_Type.PING, ping: {} });
  const total = frame.readUInt32BE(0);
  assert.throws(() => new FrameSplitter(total - 1).push(frame), FrameError);
  assert.equal(new FrameSplitter(total).push(frame).length, 1);
  const splitter = new FrameSplitter();
  splitter.maxFrameSize = total - 1;
  assert.throws(() => splitter.push(frame), FrameError);
  assert.throws(() => new FrameSplitter().push(Buffer.from([0, 0, 0, 2, 0, 0])), FrameError);
});

void test("frames: a command size larger than the frame is a FrameError, not a read past the end", () => {
  const body = Buffer.from([0, 0, 0, 9, 0x08, 18]);
  assert.throws(() => parseFrame(body), /command size 9 exceeds the frame/);
  const cut = codec
    .encodeCommand(
      {
        type: BaseCommand_Type.MESSAGE,
        message: { consumer_id: 1n, message_id: { ledgerId: 1n, entryId: 0n } },
      },
      { metadata, payload: Buffer.alloc(0) },
    )
    .subarray(4);
  assert.throws(() => parseFrame(cut.subarray(0, cut.length - 3)), FrameError);
});
