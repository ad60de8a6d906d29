import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BaseCommand_Type as T,
  CommandLookupTopicResponse_LookupType as Lookup,
  CommandPartitionedTopicMetadataResponse_LookupType as Metadata,
  ServerError,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import { signJwt } from "../../src/sim/index.js";
import { FakeClock } from "../support/fake-clock.js";
import { withSim } from "./binary-commands.js";
import { BinaryPeer } from "./binary-peer.js";

test("CONNECTED negotiates the lower protocol version and tells max_message_size and 5 feature flags", () =>
  withSim(async (sim, url) => {
    assert.match(url, /^pulsar:\/\/127\.0\.0\.1:\d+$/);
    const peer = await BinaryPeer.open(url);
    peer.send({ type: T.CONNECT, connect: { client_version: "t", protocol_version: 19 } });
    const c = (await peer.next(T.CONNECTED)).command;
    assert.ok(c.type === T.CONNECTED);
    assert.equal(c.connected.protocol_version, 19);
    assert.equal(c.connected.max_message_size, 5 * 1024 * 1024);
    assert.deepEqual(c.connected.feature_flags, {
      supports_auth_refresh: true,
      supports_broker_entry_metadata: true,
      supports_partial_producer: true,
      supports_topic_watchers: true,
      supports_get_partitioned_metadata_without_auto_creation: true,
    });
    const newer = await BinaryPeer.open(url);
    newer.send({ type: T.CONNECT, connect: { client_version: "t", protocol_version: 99 } });
    const n = (await newer.next(T.CONNECTED)).command;
    assert.ok(n.type === T.CONNECTED);
    assert.equal(n.connected.protocol_version, 21);
    peer.close();
    newer.close();
  }));

test("a command before CONNECT closes the link; PING is answered with PONG", () =>
  withSim(async (sim, url) => {
    const early = await BinaryPeer.open(url);
    early.send({ type: T.PING, ping: {} });
    await early.closed;
    const peer = await BinaryPeer.connected(url);
    peer.send({ type: T.PING, ping: {} });
    await peer.next(T.PONG);
    peer.close();
  }));

test("the broker pings an idle link and closes it when the PING goes unanswered", async () => {
  const clock = new FakeClock(Date.now());
  await withSim(
    async (sim, url) => {
      const quiet = await BinaryPeer.connected(url);
      const polite = await BinaryPeer.connected(url);
      polite.autoPong = true;
      clock.advance(1000); // the CONNECT counted as traffic
      clock.advance(1000);
      await quiet.next(T.PING, "ping to the quiet peer");
      await polite.next(T.PING, "ping to the polite peer");
      // The polite peer's PONG reaches the broker before this PING (one TCP stream): once answered, it counted.
      polite.send({ type: T.PING, ping: {} });
      await polite.next(T.PONG);
      clock.advance(1000);
      await quiet.closed;
      assert.equal(polite.socket.destroyed, false);
      polite.close();
    },
    { clock, binary: { keepAliveMs: 1000 } },
  );
});

test("token auth: a valid JWT connects, a bad one gets ERROR AuthenticationError and a close", () =>
  withSim(
    async (sim, url) => {
      const ok = await BinaryPeer.connected(url, {
        auth_method_name: "token",
        auth_data: Buffer.from(signJwt({ sub: "alice" }, "s3cret")),
      });
      ok.close();
      const bad = await BinaryPeer.open(url);
      bad.send({
        type: T.CONNECT,
        connect: {
          client_version: "t",
          protocol_version: 19,
          auth_method_name: "token",
          auth_data: Buffer.from("nope"),
        },
      });
      const e = (await bad.next(T.ERROR)).command;
      assert.ok(e.type === T.ERROR);
      assert.equal(e.error.error, ServerError.AuthenticationError);
      assert.equal(e.error.request_id, 0xffff_ffff_ffff_ffffn);
      await bad.closed;
    },
    { auth: { mode: "token", secret: "s3cret" } },
  ));

test("an expired token is challenged for clients with supports_auth_refresh and closes the others", async () => {
  const clock = new FakeClock(Date.now());
  const secret = "s3cret";
  const token = (ttlS: number) =>
    Buffer.from(signJwt({ sub: "alice", exp: Math.floor(clock.now() / 1000) + ttlS }, secret));
  await withSim(
    async (sim, url) => {
      const refreshing = await BinaryPeer.connected(url, {
        auth_method_name: "token",
        auth_data: token(5),
        feature_flags: { supports_auth_refresh: true },
      });
      const plain = await BinaryPeer.connected(url, {
        auth_method_name: "token",
        auth_data: token(5),
      });
      clock.advance(10_000);
      await plain.closed;
      const ch = (await refreshing.next(T.AUTH_CHALLENGE)).command;
      assert.ok(ch.type === T.AUTH_CHALLENGE);
      assert.equal(ch.authChallenge.challenge?.auth_method_name, "token");
      assert.equal(Buffer.from(ch.authChallenge.challenge?.auth_data ?? []).toString(), "PulsarAuthRefresh");
      refreshing.send({
        type: T.AUTH_RESPONSE,
        authResponse: {
          client_version: "t",
          protocol_version: 19,
          response: { auth_method_name: "token", auth_data: token(60) },
        },
      });
      refreshing.send({ type: T.PING, ping: {} });
      await refreshing.next(T.PONG);
      clock.advance(10_000);
      refreshing.send({ type: T.PING, ping: {} });
      await refreshing.next(T.PONG, "still connected after a good answer");
      // Expired again and the challenge left unanswered: closed at the check after.
      clock.advance(60_000);
      await refreshing.next(T.AUTH_CHALLENGE);
      clock.advance(10_000);
      await refreshing.closed;
    },
    {
      clock,
      auth: { mode: "token", secret },
      binary: { authRefreshCheckMs: 10_000, keepAliveMs: 3_600_000 },
    },
  );
});

test("PARTITIONED_METADATA: N, 0, and a missing topic by metadata_auto_creation_enabled", () =>
  withSim(async (sim, url) => {
    await sim.control.publish({ topic: "plain" });
    await fetch(`${sim.adminUrl}/admin/v2/persistent/public/default/parts/partitions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: "3",
    });
    const peer = await BinaryPeer.connected(url);
    const ask = async (topic: string, auto?: boolean) => {
      peer.send({
        type: T.PARTITIONED_METADATA,
        partitionMetadata: {
          topic: `persistent://public/default/${topic}`,
          request_id: 7n,
          ...(auto !== undefined ? { metadata_auto_creation_enabled: auto } : {}),
        },
      });
      const r = (await peer.next(T.PARTITIONED_METADATA_RESPONSE)).command;
      assert.ok(r.type === T.PARTITIONED_METADATA_RESPONSE);
      assert.equal(r.partitionMetadataResponse.request_id, 7n);
      return r.partitionMetadataResponse;
    };
    assert.equal((await ask("parts")).partitions, 3);
    assert.equal((await ask("plain")).partitions, 0);
    assert.equal((await ask("missing")).partitions, 0);
    const refused = await ask("missing", false);
    assert.equal(refused.response, Metadata.Failed);
    assert.equal(refused.error, ServerError.TopicNotFound);
    const topics = (await (
      await fetch(`${sim.adminUrl}/admin/v2/persistent/public/default`)
    ).json()) as string[];
    assert.ok(!topics.some((t) => t.includes("missing")), "metadata lookups create nothing");
    peer.close();
  }));

test("LOOKUP: Connect here, Redirect (authoritative) to the second broker, proxy mode, ServiceNotReady after an unload", () =>
  withSim(async (sim, url) => {
    await sim.control.binaryOwner("moved");
    const lookup = async (peer: BinaryPeer, topic: string) => {
      peer.send({
        type: T.LOOKUP,
        lookupTopic: { topic: `persistent://public/default/${topic}`, request_id: 9n },
      });
      const r = (await peer.next(T.LOOKUP_RESPONSE)).command;
      assert.ok(r.type === T.LOOKUP_RESPONSE);
      return r.lookupTopicResponse;
    };
    const peer = await BinaryPeer.connected(url);
    const here = await lookup(peer, "home");
    assert.equal(here.response, Lookup.Connect);
    assert.equal(here.brokerServiceUrl, url);
    const away = await lookup(peer, "moved-partition-2");
    assert.equal(away.response, Lookup.Redirect);
    assert.equal(away.authoritative, true);
    assert.equal(away.brokerServiceUrl, sim.secondBrokerUrl);
    const second = await BinaryPeer.connected(sim.secondBrokerUrl ?? "");
    const there = await lookup(second, "moved-partition-2");
    assert.equal(there.response, Lookup.Connect);
    assert.equal(there.brokerServiceUrl, sim.secondBrokerUrl);
    assert.equal((await lookup(second, "home")).response, Lookup.Redirect);

    await sim.control.binaryProxy(true);
    const proxied = await lookup(peer, "moved");
    assert.equal(proxied.response, Lookup.Connect);
    assert.equal(proxied.proxy_through_service_url, true);
    assert.equal(proxied.brokerServiceUrl, sim.secondBrokerUrl);
    // Through the service URL, CONNECT.proxy_to_broker_url makes the link the second broker's.
    const via = await BinaryPeer.connected(url, {
      proxy_to_broker_url: new URL(sim.secondBrokerUrl ?? "").host,
    });
    via.send({
      type: T.PRODUCER,
      producer: { topic: "persistent://public/default/moved", producer_id: 1n, request_id: 2n },
    });
    await via.next(T.PRODUCER_SUCCESS, "a producer for the second broker's topic through the proxy");
    await sim.control.binaryProxy(false);

    await sim.control.unload("home");
    const unloading = await lookup(peer, "home");
    assert.equal(unloading.response, Lookup.Failed);
    assert.equal(unloading.error, ServerError.ServiceNotReady);
    assert.equal((await lookup(peer, "home")).response, Lookup.Connect, "only once");
    for (const p of [peer, second, via]) p.close();
  }));
