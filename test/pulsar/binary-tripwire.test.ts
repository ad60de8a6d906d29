import assert from "node:assert/strict";
import { test } from "node:test";
import { noAuth } from "../../src/pulsar/auth/none.js";
import { BinaryArrivalSource, type BinaryTiming } from "../../src/pulsar/binary/arrival-source.js";
import { loadPulsarCodec } from "../../src/pulsar/binary/commands.js";
import {
  BaseCommand_Type as T,
  CommandLookupTopicResponse_LookupType as L,
  type Command,
  ServerError,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import { ServiceNotReadyError } from "../../src/pulsar/binary/server-error.js";
import { LATEST } from "../../src/pulsar/binary/tripwire.js";
import { NetworkError, TimeoutError, TopicNotFoundError } from "../../src/pulsar/errors.js";
import type { ArrivalStatus } from "../../src/pulsar/ports.js";
import type { ArrivalEvent } from "../../src/pulsar/snapshot.js";
import { parseTopicName, topicToString, type TopicName } from "../../src/pulsar/topic-name.js";
import { FakeClock } from "../support/fake-clock.js";
import { FrameQueue } from "../support/frame-queue.js";
import { FakeBroker, type FakePeer, lookupReply } from "./binary-fake-broker.js";

const codec = loadPulsarCodec();
const topic = parseTopicName("persistent://public/default/orders");
const NAME = topicToString(topic);

interface Harness {
  readonly broker: FakeBroker;
  readonly clock: FakeClock;
  readonly source: BinaryArrivalSource;
  readonly statuses: FrameQueue<ArrivalStatus>;
  readonly arrivals: FrameQueue<ArrivalEvent>;
  close(): Promise<void>;
}

async function harness(timing?: BinaryTiming): Promise<Harness> {
  const broker = await FakeBroker.start();
  broker.topics.set(NAME, 0);
  const clock = new FakeClock();
  const source = new BinaryArrivalSource({
    serviceUrl: broker.url,
    auth: noAuth(),
    clock,
    codec,
    ...(timing === undefined ? {} : { timing }),
  });
  const statuses = new FrameQueue<ArrivalStatus>();
  const arrivals = new FrameQueue<ArrivalEvent>();
  return {
    broker,
    clock,
    source,
    statuses,
    arrivals,
    close: async () => {
      await source.close();
      await broker.close();
    },
  };
}

function watch(h: Harness, t: TopicName = topic, partitions = 0) {
  return h.source.subscribe(
    t,
    partitions,
    (e) => h.arrivals.push(e),
    (s) => h.statuses.push(s),
  );
}

const connected = (h: Harness) => h.statuses.next((s) => s.kind === "connected", 5000, "connected");
async function disconnected(h: Harness): Promise<Extract<ArrivalStatus, { kind: "disconnected" }>> {
  const s = await h.statuses.next((x) => x.kind === "disconnected", 5000, "disconnected");
  assert.equal(s.kind, "disconnected");
  return s;
}

/** A PING from the fake answered: everything the client sent before it has been read. */
async function roundTrip(peer: FakePeer): Promise<void> {
  peer.send({ type: T.PING, ping: {} });
  await peer.next(T.PONG, "PONG");
}

const types = (peer: FakePeer | undefined): number[] => peer?.received.all.map((c) => c.type) ?? [];
const subscribes = (peer: FakePeer | undefined) =>
  peer?.received.all.flatMap((c) => (c.type === T.SUBSCRIBE ? [c.subscribe] : [])) ?? [];

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

void test("unload: broker CLOSE_CONSUMER (request_id 2^64-1) -> lookup again after 100 ms and resubscribe, then connected", async () => {
  const h = await harness();
  try {
    watch(h);
    await connected(h);
    const peer = await h.broker.peers.next();
    await peer.next(T.FLOW);
    const lookups = () => types(peer).filter((t) => t === T.LOOKUP).length;
    assert.equal(lookups(), 1);
    const [consumer] = h.broker.liveConsumers(NAME);
    assert.ok(consumer);
    h.broker.unload(consumer);
    const s = await disconnected(h);
    assert.equal(s.retryInMs, 100);
    assert.ok(s.error instanceof NetworkError);
    h.clock.advance(100);
    await connected(h);
    assert.equal(lookups(), 2);
    assert.equal(h.broker.liveConsumers(NAME).length, 1);
    assert.equal(h.source.counters().openConsumers, 1);
  } finally {
    await h.close();
  }
});

void test("unload with assignedBrokerServiceUrl: the assigned broker is subscribed at once, without a lookup", async () => {
  const h = await harness();
  const other = await FakeBroker.start();
  other.topics.set(NAME, 0);
  try {
    watch(h);
    await connected(h);
    const [consumer] = h.broker.liveConsumers(NAME);
    assert.ok(consumer);
    h.broker.unload(consumer, other.url);
    h.clock.advance((await disconnected(h)).retryInMs);
    await connected(h);
    const otherPeer = await other.peers.next();
    assert.equal(other.liveConsumers(NAME).length, 1);
    assert.equal(types(otherPeer).includes(T.LOOKUP), false);
  } finally {
    await h.close();
    await other.close();
  }
});

void test("connection killed: reconnect with backoff, look up, resubscribe, connected again", async () => {
  const h = await harness();
  try {
    watch(h);
    await connected(h);
    const first = await h.broker.peers.next();
    first.socket.destroy();
    const s = await disconnected(h);
    assert.ok(s.error instanceof NetworkError);
    h.clock.advance(s.retryInMs);
    await connected(h);
    const second = await h.broker.peers.next();
    assert.notEqual(second, first);
    assert.equal(subscribes(second).length, 1);
    const c = h.source.counters();
    assert.deepEqual([c.connections, c.connectionsOpened, c.openConsumers], [1, 2, 1]);
  } finally {
    await h.close();
  }
});

void test("TopicNotFound (never created: force_topic_creation=false) and ServiceNotReady lookups are retried with backoff", async () => {
  const h = await harness();
  h.broker.topics.clear();
  let notReady = 1;
  h.broker.script.lookup = (_t, _a, id) =>
    notReady-- > 0
      ? lookupReply(id, { response: L.Failed, error: ServerError.ServiceNotReady, message: "bundle moving" })
      : undefined;
  try {
    watch(h);
    const a = await disconnected(h);
    assert.ok(a.error instanceof ServiceNotReadyError, String(a.error));
    h.clock.advance(a.retryInMs);
    const b = await disconnected(h);
    assert.ok(b.error instanceof TopicNotFoundError, String(b.error));
    assert.ok(b.retryInMs >= 100 && b.retryInMs <= 200, String(b.retryInMs));
    h.broker.topics.set(NAME, 0);
    h.clock.advance(b.retryInMs);
    await connected(h);
    assert.equal(h.broker.liveConsumers(NAME).length, 1);
  } finally {
    await h.close();
  }
});

void test("SUBSCRIBE timeout: CLOSE_CONSUMER for that consumer before the retry", async () => {
  const h = await harness({ requestTimeoutMs: 5000 });
  let silent = 1;
  h.broker.script.subscribe = () => (silent-- > 0 ? "silence" : undefined);
  try {
    watch(h);
    const peer = await h.broker.peers.next();
    const asked = await peer.next(T.SUBSCRIBE);
    h.clock.advance(5000);
    const closed = await peer.next(T.CLOSE_CONSUMER);
    assert.equal(
      closed.type === T.CLOSE_CONSUMER && asked.type === T.SUBSCRIBE && closed.close_consumer.consumer_id,
      asked.type === T.SUBSCRIBE ? asked.subscribe.consumer_id : -1n,
    );
    const s = await disconnected(h);
    assert.ok(s.error instanceof TimeoutError, String(s.error));
    h.clock.advance(s.retryInMs);
    await connected(h);
    assert.equal(subscribes(peer).length, 2);
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

void test("connections: 100 topics on one broker share one TCP connection; a 100-partition topic has 100 consumers", async () => {
  const h = await harness();
  try {
    const topics = [...Array(100).keys()].map((i) => parseTopicName(`persistent://public/default/t${i}`));
    for (const t of topics) h.broker.topics.set(topicToString(t), 0);
    for (const t of topics) watch(h, t);
    for (let i = 0; i < 100; i++) await connected(h);
    assert.equal(h.broker.livePeers().length, 1);
    assert.equal(h.broker.liveConsumers().length, 100);

    const wide = parseTopicName("persistent://public/default/wide");
    h.broker.topics.set(topicToString(wide), 100);
    watch(h, wide, 100);
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const s = await connected(h);
      if (s.kind === "connected") seen.add(s.partition);
    }
    assert.equal(seen.size, 100);
    const wideConsumers = h.broker
      .liveConsumers()
      .filter((c) => c.topic.startsWith(`${topicToString(wide)}-partition-`));
    assert.equal(new Set(wideConsumers.map((c) => c.topic)).size, 100);
    const c = h.source.counters();
    assert.deepEqual([c.connections, c.openConsumers], [1, 200]);
    assert.equal(h.broker.livePeers().length, 1);
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
