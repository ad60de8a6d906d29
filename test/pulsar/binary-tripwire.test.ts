import assert from "node:assert/strict";
import { test } from "node:test";
import { loadPulsarCodec } from "../../src/pulsar/binary/commands.js";
import { BaseCommand_Type as T, type Command } from "../../src/pulsar/binary/generated/pulsar-api.js";
import { LATEST } from "../../src/pulsar/binary/tripwire-commands.js";
import { connected, harness, NAME, roundTrip, subscribes, topic, types, watch } from "./binary-harness.js";

const codec = loadPulsarCodec();

void test("tripwire: non-durable Exclusive from latest (2^63-1 exact), no topic creation, FLOW 1; the first message fires it and nothing more is granted", async () => {
  const h = await harness();
  try {
    watch(h);
    await connected(h);
    const peer = await h.broker.peers.next();
    await peer.next(T.FLOW);
    const [sub] = subscribes(peer);
    assert.ok(sub);
    assert.equal(sub.topic, NAME);
    assert.equal(sub.subType, 0);
    assert.equal(sub.durable, false);
    assert.deepEqual(sub.start_message_id, { ledgerId: LATEST, entryId: LATEST });
    assert.equal(sub.start_message_id?.ledgerId, 9223372036854775807n);
    // On the wire: start_message_id (field 9, 20 bytes), each id the varint ff x8 7f (2^63 would end 80 01).
    const latest = "ffffffffffffffff7f";
    const wire = Buffer.from(`4a1408${latest}10${latest}`, "hex");
    assert.equal(peer.rawBodies.filter((b) => b.includes(wire)).length, 1);
    assert.equal(sub.initialPosition, 0);
    assert.equal(sub.force_topic_creation, false);
    assert.match(sub.subscription, /^pps-tripwire-[0-9a-f]{10}$/);
    assert.equal(h.broker.liveConsumers(NAME)[0]?.permits, 1);

    assert.equal(h.broker.publish(NAME, 1_733_000_000_500n), 1);
    const e = await h.arrivals.next();
    assert.deepEqual(e, { topic, partition: -1, publishTime: 1_733_000_000_500, receivedAt: h.clock.now() });
    assert.equal(h.broker.publish(NAME, 1n), 0, "the one permit is spent");
    await roundTrip(peer);
    assert.equal(types(peer).filter((t) => t === T.FLOW).length, 1, "no FLOW after the firing");
    const c = h.source.counters();
    assert.deepEqual([c.arrivals, c.messagesReceived, c.openConsumers, c.connections], [1, 1, 1, 1]);
    assert.ok(c.bytesReceived > 0);
  } finally {
    await h.close();
  }
});

void test("rearm: CLOSE_CONSUMER, SUCCESS awaited, then a new SUBSCRIBE from latest and FLOW 1; a no-op while armed", async () => {
  const h = await harness();
  let release: (() => void) | undefined;
  try {
    const sub = watch(h);
    await connected(h);
    const peer = await h.broker.peers.next();
    await peer.next(T.FLOW);
    sub.rearm(); // armed: nothing to do
    await roundTrip(peer);
    assert.equal(types(peer).includes(T.CLOSE_CONSUMER), false);

    h.broker.publish(NAME, 10n);
    await h.arrivals.next();
    h.broker.script.closeConsumer = (_id, requestId, p) => {
      release = () => p.send({ type: T.SUCCESS, success: { request_id: requestId } });
      return "silence";
    };
    sub.rearm();
    await peer.next(T.CLOSE_CONSUMER);
    await roundTrip(peer);
    assert.equal(subscribes(peer).length, 1, "no SUBSCRIBE before CLOSE_CONSUMER's SUCCESS");
    release?.();
    await connected(h);
    await peer.next(T.FLOW);
    const after = types(peer).filter((t) => t === T.CLOSE_CONSUMER || t === T.SUBSCRIBE || t === T.FLOW);
    assert.deepEqual(after, [T.SUBSCRIBE, T.FLOW, T.CLOSE_CONSUMER, T.SUBSCRIBE, T.FLOW]);
    const [first, second] = subscribes(peer);
    assert.notEqual(first?.subscription, second?.subscription);
    assert.deepEqual(second?.start_message_id, { ledgerId: LATEST, entryId: LATEST });
    assert.equal(h.broker.publish(NAME, 20n), 1);
    assert.equal((await h.arrivals.next()).publishTime, 20);
  } finally {
    await h.close();
  }
});

void test("commands the tripwire does not use (ACTIVE_CONSUMER_CHANGE, REACHED_END_OF_TOPIC, an unknown type) are ignored", async () => {
  const h = await harness();
  try {
    watch(h);
    await connected(h);
    const peer = await h.broker.peers.next();
    await peer.next(T.FLOW);
    const [consumer] = h.broker.liveConsumers(NAME);
    assert.ok(consumer);
    const noise: Command[] = [
      {
        type: T.ACTIVE_CONSUMER_CHANGE,
        active_consumer_change: { consumer_id: consumer.id, is_active: true },
      },
      { type: T.REACHED_END_OF_TOPIC, reachedEndOfTopic: { consumer_id: consumer.id } },
    ];
    for (const c of noise) peer.send(c);
    const unknown = Buffer.from([0x08, 64, 0x82, 0x04, 0x00]);
    const frame = Buffer.alloc(8);
    frame.writeUInt32BE(4 + unknown.length, 0);
    frame.writeUInt32BE(unknown.length, 4);
    peer.raw(Buffer.concat([frame, unknown]));
    h.broker.publish(NAME, 7n);
    assert.equal((await h.arrivals.next()).publishTime, 7);
    assert.equal(h.source.counters().connectionsOpened, 1);
  } finally {
    await h.close();
  }
});

void test("close: CLOSE_CONSUMER sent, no consumer left open; the status stream said connected", async () => {
  const h = await harness();
  const stream: string[] = [];
  h.source.on("status", (s, where) => stream.push(`${s.kind}:${where.partition}`));
  try {
    const sub = watch(h);
    await connected(h);
    const peer = await h.broker.peers.next();
    await sub.close();
    await peer.next(T.CLOSE_CONSUMER);
    assert.equal(h.broker.liveConsumers().length, 0);
    assert.equal(h.source.counters().openConsumers, 0);
    assert.deepEqual(stream, ["connected:-1"]);
  } finally {
    await h.close();
  }
});

void test("a MESSAGE failing its CRC32C still fires the tripwire, timed by arrival (its metadata is not trusted)", async () => {
  const h = await harness();
  try {
    watch(h);
    await connected(h);
    const peer = await h.broker.peers.next();
    await peer.next(T.FLOW);
    const [consumer] = h.broker.liveConsumers(NAME);
    assert.ok(consumer);
    const frame = codec.encodeCommand(
      { type: T.MESSAGE, message: { consumer_id: consumer.id, message_id: { ledgerId: 1n, entryId: 1n } } },
      { metadata: { producer_name: "p", sequence_id: 0n, publish_time: 5n }, payload: Buffer.from("abc") },
    );
    frame.writeUInt8(frame.readUInt8(frame.length - 1) ^ 0xff, frame.length - 1);
    peer.raw(frame);
    const e = await h.arrivals.next();
    assert.equal(e.publishTime, e.receivedAt);
  } finally {
    await h.close();
  }
});
