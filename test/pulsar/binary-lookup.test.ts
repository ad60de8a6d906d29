import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { test } from "node:test";
import { noAuth } from "../../src/pulsar/auth/none.js";
import { loadPulsarCodec } from "../../src/pulsar/binary/commands.js";
import {
  BaseCommand_Type as T,
  CommandLookupTopicResponse_LookupType as L,
  ServerError,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import { lookupTopic, MAX_LOOKUP_HOPS, partitionedMetadata } from "../../src/pulsar/binary/lookup.js";
import { ConnectionPool } from "../../src/pulsar/binary/pool.js";
import { ProtocolError, ServiceNotReadyError } from "../../src/pulsar/binary/server-error.js";
import { RateLimitedError, TopicNotFoundError } from "../../src/pulsar/errors.js";
import { makeCerts } from "../support/certs.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeBroker, lookupReply } from "./binary-fake-broker.js";

const codec = loadPulsarCodec();
const TOPIC = "persistent://public/default/orders";

function pool(): ConnectionPool {
  return new ConnectionPool({ auth: noAuth(), clock: new FakeClock(), codec });
}

void test("lookup: Redirect asks again at the given broker with its authoritative flag; Connect ends it", async () => {
  const service = await FakeBroker.start();
  const owner = await FakeBroker.start();
  const seen: Array<[string, boolean]> = [];
  service.script.lookup = (topic, authoritative, id) => {
    seen.push(["service", authoritative]);
    return lookupReply(id, { response: L.Redirect, brokerServiceUrl: owner.url, authoritative: true });
  };
  owner.script.lookup = (_topic, authoritative, id) => {
    seen.push(["owner", authoritative]);
    return lookupReply(id, { response: L.Connect, brokerServiceUrl: owner.url, authoritative: true });
  };
  const p = pool();
  try {
    assert.deepEqual(await lookupTopic(p, service.url, TOPIC), { url: owner.url });
    assert.deepEqual(seen, [
      ["service", false],
      ["owner", true],
    ]);
    // The consumer's connection to the owner is the lookup's own: one per broker.
    await p.get(owner.url);
    assert.equal(owner.peers.all.length, 1);
    assert.deepEqual(p.counters(), { open: 2, opened: 2, idleClosed: 0 });
  } finally {
    await p.close();
    await service.close();
    await owner.close();
  }
});

void test("lookup: the broker URL of the service URL's scheme (brokerServiceUrlTls for pulsar+ssl)", async () => {
  const certs = makeCerts();
  const plain = await FakeBroker.start();
  const secure = await FakeBroker.start({
    tls: { key: readFileSync(certs.file("server.key")), cert: readFileSync(certs.file("server.pem")) },
  });
  for (const b of [plain, secure]) {
    b.script.lookup = (_t, _a, id) =>
      lookupReply(id, {
        response: L.Connect,
        brokerServiceUrl: "pulsar://plain:6650",
        brokerServiceUrlTls: "pulsar+ssl://secure:6651",
      });
  }
  const p = new ConnectionPool({
    auth: noAuth(),
    clock: new FakeClock(),
    codec,
    ca: readFileSync(certs.file("ca.pem")),
  });
  try {
    assert.deepEqual(await lookupTopic(p, plain.url, TOPIC), { url: "pulsar://plain:6650" });
    assert.deepEqual(await lookupTopic(p, secure.url, TOPIC), { url: "pulsar+ssl://secure:6651" });
  } finally {
    await p.close();
    await plain.close();
    await secure.close();
    rmSync(certs.dir, { recursive: true, force: true });
  }
});

void test("lookup: proxy_through_service_url keeps the service URL and proxies to the broker's host:port", async () => {
  const proxy = await FakeBroker.start();
  proxy.script.lookup = (_t, _a, id) =>
    lookupReply(id, {
      response: L.Connect,
      brokerServiceUrl: "pulsar://10.1.2.3:6650",
      proxy_through_service_url: true,
    });
  const p = pool();
  try {
    const target = await lookupTopic(p, proxy.url, TOPIC);
    assert.deepEqual(target, { url: proxy.url, proxyToBroker: "10.1.2.3:6650" });
    await p.get(target.url, target.proxyToBroker);
    const peers = proxy.peers.all;
    assert.equal(peers.length, 2, "one connection for lookups, one proxied to the broker");
    assert.equal(peers[0]?.connect?.proxy_to_broker_url, undefined);
    assert.equal(peers[1]?.connect?.proxy_to_broker_url, "10.1.2.3:6650");
    // Shared: asking again gives the same connection.
    await p.get(target.url, target.proxyToBroker);
    assert.equal(proxy.peers.all.length, 2);
  } finally {
    await p.close();
    await proxy.close();
  }
});

void test("lookup: Failed maps onto TopicNotFound, ServiceNotReady and TooManyRequests errors", async () => {
  const broker = await FakeBroker.start();
  const p = pool();
  try {
    for (const [code, check] of [
      [ServerError.TopicNotFound, (e: unknown) => e instanceof TopicNotFoundError],
      [
        ServerError.ServiceNotReady,
        (e: unknown) => e instanceof ServiceNotReadyError && e.serverError === "ServiceNotReady",
      ],
      [ServerError.TooManyRequests, (e: unknown) => e instanceof RateLimitedError],
    ] as const) {
      broker.script.lookup = (_t, _a, id) =>
        lookupReply(id, { response: L.Failed, error: code, message: "nope" });
      await assert.rejects(lookupTopic(p, broker.url, TOPIC), check);
    }
  } finally {
    await p.close();
    await broker.close();
  }
});

void test(`lookup: more than ${MAX_LOOKUP_HOPS} redirects is a ProtocolError, not a loop`, async () => {
  const broker = await FakeBroker.start();
  let lookups = 0;
  broker.script.lookup = (_t, _a, id) => {
    lookups++;
    return lookupReply(id, { response: L.Redirect, brokerServiceUrl: broker.url });
  };
  const p = pool();
  try {
    await assert.rejects(
      lookupTopic(p, broker.url, TOPIC),
      (e: unknown) => e instanceof ProtocolError && /more than 20/.test(e.message),
    );
    assert.equal(lookups, MAX_LOOKUP_HOPS + 1);
  } finally {
    await p.close();
    await broker.close();
  }
});

void test("partitioned metadata: asked with auto-creation off; a missing topic is TopicNotFound; not asked of a broker without flag 5", async () => {
  const broker = await FakeBroker.start();
  broker.topics.set(TOPIC, 3);
  const p = pool();
  try {
    const conn = await p.get(broker.url);
    assert.equal(await partitionedMetadata(conn, TOPIC), 3);
    const asked = await broker.peers.all[0]?.next(T.PARTITIONED_METADATA);
    assert.equal(
      asked?.type === T.PARTITIONED_METADATA && asked.partitionMetadata.metadata_auto_creation_enabled,
      false,
    );
    await assert.rejects(partitionedMetadata(conn, `${TOPIC}-missing`), TopicNotFoundError);

    const old = await FakeBroker.start();
    old.script.connect = () => ({
      type: T.CONNECTED,
      connected: { server_version: "old", protocol_version: 15 },
    });
    const oldConn = await p.get(old.url);
    assert.equal(await partitionedMetadata(oldConn, TOPIC), undefined);
    oldConn.send({ type: T.PING, ping: {} });
    await old.peers.all[0]?.next(T.PING);
    assert.equal(
      old.peers.all[0]?.received.all.some((c) => c.type === T.PARTITIONED_METADATA),
      false,
    );
    await old.close();
  } finally {
    await p.close();
    await broker.close();
  }
});
