import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BaseCommand_Type as T,
  CommandLookupTopicResponse_LookupType as L,
  ServerError,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import { ServiceNotReadyError } from "../../src/pulsar/binary/server-error.js";
import { NetworkError, TimeoutError, TopicNotFoundError } from "../../src/pulsar/errors.js";
import { parseTopicName, topicToString } from "../../src/pulsar/topic-name.js";
import { FakeBroker, lookupReply } from "./binary-fake-broker.js";
import { connected, disconnected, harness, NAME, subscribes, types, watch } from "./binary-harness.js";

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

void test("TOPIC_MIGRATED for our consumer: resubscribed at the cluster URL it names", async () => {
  const h = await harness();
  const other = await FakeBroker.start();
  other.topics.set(NAME, 0);
  try {
    watch(h);
    await connected(h);
    const [consumer] = h.broker.liveConsumers(NAME);
    assert.ok(consumer);
    consumer.peer.send({
      type: T.TOPIC_MIGRATED,
      topicMigrated: { resource_id: consumer.id, resource_type: 1, brokerServiceUrl: other.url },
    });
    h.clock.advance((await disconnected(h)).retryInMs);
    await connected(h);
    assert.equal(other.liveConsumers(NAME).length, 1);
  } finally {
    await h.close();
    await other.close();
  }
});

void test("proxy mode: an assigned broker after an unload is reached through the proxy, once, without a lookup", async () => {
  const h = await harness();
  h.broker.script.lookup = (_t, _a, id) =>
    lookupReply(id, {
      response: L.Connect,
      brokerServiceUrl: "pulsar://10.0.0.1:6650",
      proxy_through_service_url: true,
    });
  try {
    watch(h);
    await connected(h);
    const [consumer] = h.broker.liveConsumers(NAME);
    assert.ok(consumer);
    assert.equal(consumer.peer.connect?.proxy_to_broker_url, "10.0.0.1:6650");
    h.broker.unload(consumer, "pulsar://10.0.0.2:6650");
    h.clock.advance((await disconnected(h)).retryInMs);
    await connected(h);
    const [moved] = h.broker.liveConsumers(NAME);
    assert.equal(moved?.peer.connect?.proxy_to_broker_url, "10.0.0.2:6650");
    assert.equal(types(moved?.peer).includes(T.LOOKUP), false);
  } finally {
    await h.close();
  }
});
