/**
 * The simulator's binary endpoint against an independent peer: pulsar-flex 1.1.1, a pure-JS client
 * generated from Pulsar's own PulsarApi.proto with google-protobuf (not our codec). What pulsar-flex
 * lacks is tested with our own client instead (test/sim/binary-own-client.test.ts: TLS, the
 * non-durable tripwire, the auth challenge) and our hand-driven peer (binary-handshake, -producers,
 * -consumers, -faults):
 * - it never verifies the checksum of what it receives: a relay in between (test/sim/checking-relay.ts)
 *   checks every MESSAGE frame's CRC32C with our codec;
 * - no TLS (`pulsar+ssl://`), no non-durable subscriptions or start message ids, no auth refresh
 *   (it sets no feature flags), no PARTITIONED_METADATA;
 * - on a lookup Redirect it does not look up again: it connects to the returned broker at once,
 *   which works here because that broker owns the topic.
 * pulsar-flex never clears its 10 s response timers, so this file's process lingers about 10 s
 * after its tests (idle, no assertion waits on them).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pulsarFlex, { type ReceivedMessage } from "pulsar-flex";
import { BaseCommand_Type as T } from "../../src/pulsar/binary/generated/pulsar-api.js";
import { signJwt, type RunningSimulator } from "../../src/sim/index.js";
import { Latch } from "../support/latch.js";
import { withSim } from "./binary-commands.js";
import { CheckingRelay } from "./checking-relay.js";

const { Consumer, Producer, logLevel } = pulsarFlex;
const topicOf = (local: string) => `persistent://public/default/${local}`;
const hostPort = (url: string | undefined) => new URL(url ?? "").host;

async function subscriptionStats(
  sim: RunningSimulator,
  local: string,
  headers: Record<string, string> = {},
): Promise<{ msgInCounter: number; backlog: number | undefined; producers: number }> {
  const res = await fetch(`${sim.adminUrl}/admin/v2/persistent/public/default/${local}/stats`, { headers });
  const body = (await res.json()) as {
    msgInCounter: number;
    publishers: unknown[];
    subscriptions: Record<string, { msgBacklog: number }>;
  };
  return {
    msgInCounter: body.msgInCounter,
    backlog: body.subscriptions["workers"]?.msgBacklog,
    producers: body.publishers.length,
  };
}

async function createSubscription(
  sim: RunningSimulator,
  local: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const res = await fetch(
    `${sim.adminUrl}/admin/v2/persistent/public/default/${local}/subscription/workers`,
    {
      method: "PUT",
      headers,
    },
  );
  assert.equal(res.status, 204);
}

test("pulsar-flex's producer publishes (single messages and a batch, one entry) and the admin stats show the backlog", () =>
  withSim(async (sim) => {
    await createSubscription(sim, "flex-in");
    const producer = new Producer({
      topic: topicOf("flex-in"),
      discoveryServers: [hostPort(sim.serviceUrl)],
      producerAccessMode: Producer.ACCESS_MODES.SHARED,
      logLevel: logLevel.NOTHING,
    });
    await producer.create();
    for (const text of ["a", "b", "c"])
      await producer.sendMessage({ payload: text, properties: { n: text } });
    assert.deepEqual(await subscriptionStats(sim, "flex-in"), { msgInCounter: 3, backlog: 3, producers: 1 });
    await producer.sendBatch({ messages: [{ payload: "d" }, { payload: "e" }] });
    assert.deepEqual(await subscriptionStats(sim, "flex-in"), { msgInCounter: 5, backlog: 4, producers: 1 });
    await producer.close();
  }));

test("pulsar-flex's consumer receives what its producer and the admin side published, every MESSAGE checksum verified", () =>
  withSim(async (sim) => {
    await createSubscription(sim, "flex-out");
    const relay = await CheckingRelay.start(sim.serviceUrl ?? "");
    const got: string[] = [];
    const all = new Latch(4);
    const consumer = new Consumer({
      topic: topicOf("flex-out"),
      subscription: "workers",
      subType: Consumer.SUB_TYPES.EXCLUSIVE,
      consumerName: "flex",
      discoveryServers: [relay.hostPort],
      receiveQueueSize: 10,
      logLevel: logLevel.NOTHING,
    });
    try {
      await consumer.subscribe();
      await consumer.run({
        autoAck: true,
        onMessage: (m: ReceivedMessage) => {
          got.push(
            `${Buffer.from(m.message).toString()}${m.properties["n"] !== undefined ? `/${m.properties["n"]}` : ""}`,
          );
          all.hit();
        },
      });
      const producer = new Producer({
        topic: topicOf("flex-out"),
        discoveryServers: [relay.hostPort],
        logLevel: logLevel.NOTHING,
      });
      await producer.create();
      await producer.sendMessage({ payload: "p1", properties: { n: "1" } });
      await producer.sendMessage({ payload: "p2", properties: { n: "2" } });
      await sim.control.publish({ topic: "flex-out", count: 2, payload: "admin" });
      await all.wait(10_000, "four messages");
      assert.deepEqual(got, ["p1/1", "p2/2", "admin", "admin"]);
      const messages = relay.checked.filter((c) => c.type === T.MESSAGE);
      assert.equal(messages.length, 4);
      assert.ok(
        messages.every((c) => c.checksumOk === true),
        JSON.stringify(messages),
      );
      const sends = relay.checked.filter((c) => c.type === T.SEND);
      assert.ok(
        sends.length === 2 && sends.every((c) => c.checksumOk === true),
        "pulsar-flex's own checksums hold",
      );
      await producer.close();
    } finally {
      await consumer.unsubscribe().catch(() => undefined);
      await relay.close();
    }
  }));

test("pulsar-flex's lookup reaches the second broker when the first answers Redirect", () =>
  withSim(async (sim) => {
    await sim.control.binaryOwner("flex-moved");
    await createSubscription(sim, "flex-moved");
    const producer = new Producer({
      topic: topicOf("flex-moved"),
      discoveryServers: [hostPort(sim.serviceUrl)],
      logLevel: logLevel.NOTHING,
    });
    await producer.create();
    await producer.sendMessage({ payload: "moved" });
    assert.equal((await subscriptionStats(sim, "flex-moved")).backlog, 1);
    assert.equal(
      (await sim.control.binaryState()).connections,
      1,
      "the lookup link closed, the producer's is on the second broker",
    );
    await producer.close();
  }));

test("pulsar-flex with a token: CONNECT authenticates with the simulator's JWT", () =>
  withSim(
    async (sim) => {
      const jwt = signJwt({ sub: "flex-role" }, "s3cret");
      const bearer = { Authorization: `Bearer ${jwt}` };
      await createSubscription(sim, "flex-auth", bearer);
      const producer = new Producer({
        topic: topicOf("flex-auth"),
        discoveryServers: [hostPort(sim.serviceUrl)],
        jwt,
        logLevel: logLevel.NOTHING,
      });
      await producer.create();
      await producer.sendMessage({ payload: "authed" });
      assert.equal((await subscriptionStats(sim, "flex-auth", bearer)).backlog, 1);
      await producer.close();
    },
    {
      auth: { mode: "token", secret: "s3cret" },
      authorization: [{ topicPattern: "flex-auth", roles: ["flex-role"] }],
    },
  ));
