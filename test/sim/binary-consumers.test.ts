import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BaseCommand_Type as T,
  CommandAck_AckType,
  CommandSubscribe_SubType,
  ServerError,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import {
  LATEST,
  NO_REQUEST,
  messages,
  producer,
  send,
  stats,
  subscribe,
  sync,
  withSim,
} from "./binary-commands.js";
import { BinaryPeer, type PeerFrame } from "./binary-peer.js";

test("non-durable from latest (2^63-1) sees only new entries, shows durable false, and goes with CLOSE_CONSUMER", () =>
  withSim(async (sim, url) => {
    await sim.control.publish({ topic: "wire", count: 3 });
    const peer = await BinaryPeer.connected(url);
    const ok = await subscribe(peer, "wire", 1n, {
      subscription: "tripwire",
      durable: false,
      start_message_id: { ledgerId: LATEST, entryId: LATEST },
      force_topic_creation: false,
    });
    assert.equal(ok.command.type, T.SUCCESS);
    assert.equal((await stats(sim, "wire")).subscriptions["tripwire"]?.durable, false);
    peer.send({ type: T.FLOW, flow: { consumer_id: 1n, messagePermits: 1 } });
    await sim.control.publish({ topic: "wire", count: 2 });
    const m = (await peer.next(T.MESSAGE)).command;
    assert.ok(m.type === T.MESSAGE);
    assert.equal(m.message.message_id.entryId, 3n, "the first entry after subscribing");
    await sync(peer);
    assert.equal(messages(peer).length, 1, "one permit, one message");
    peer.send({ type: T.CLOSE_CONSUMER, close_consumer: { consumer_id: 1n, request_id: 55n } });
    const s = (await peer.next(T.SUCCESS)).command;
    assert.ok(s.type === T.SUCCESS);
    assert.equal(s.success.request_id, 55n);
    assert.equal(
      (await stats(sim, "wire")).subscriptions["tripwire"],
      undefined,
      "deleted with its consumer",
    );
    peer.close();
  }));

test("a start id inside the topic replays that entry; a negative long (-1:-1) starts at the first", () =>
  withSim(async (sim, url) => {
    await sim.control.publish({ topic: "starts", count: 3 });
    const peer = await BinaryPeer.connected(url);
    await producer(peer, "starts", 9n);
    send(peer, 9n, 0n, "probe");
    const r = (await peer.next(T.SEND_RECEIPT)).command;
    assert.ok(r.type === T.SEND_RECEIPT);
    const ledgerId = r.send_receipt.message_id?.ledgerId ?? 0n;
    await subscribe(peer, "starts", 1n, {
      subscription: "r1",
      durable: false,
      start_message_id: { ledgerId, entryId: 1n },
    });
    await subscribe(peer, "starts", 2n, {
      subscription: "r2",
      durable: false,
      start_message_id: { ledgerId: NO_REQUEST, entryId: NO_REQUEST },
    });
    peer.send({ type: T.FLOW, flow: { consumer_id: 1n, messagePermits: 1 } });
    peer.send({ type: T.FLOW, flow: { consumer_id: 2n, messagePermits: 1 } });
    const firsts = new Map<bigint, bigint>();
    for (let i = 0; i < 2; i++) {
      const m = (await peer.next(T.MESSAGE)).command;
      assert.ok(m.type === T.MESSAGE);
      firsts.set(m.message.consumer_id, m.message.message_id.entryId);
    }
    assert.equal(firsts.get(1n), 1n, "entry 1 comes again");
    assert.equal(firsts.get(2n), 0n, "a negative long reads from the first entry");
    peer.close();
  }));

test("refusals: non-durable under a durable name, a second Exclusive, a missing topic without creation, a partitioned base", () =>
  withSim(async (sim, url) => {
    const peer = await BinaryPeer.connected(url);
    assert.equal((await subscribe(peer, "busy", 1n)).command.type, T.SUCCESS);
    const errorOf = (f: PeerFrame) => (f.command.type === T.ERROR ? f.command.error.error : undefined);
    assert.equal(errorOf(await subscribe(peer, "busy", 2n, { durable: false })), ServerError.NotAllowedError);
    const other = await BinaryPeer.connected(url);
    assert.equal(errorOf(await subscribe(other, "busy", 1n)), ServerError.ConsumerBusy);
    assert.equal(
      errorOf(await subscribe(other, "nowhere", 3n, { force_topic_creation: false })),
      ServerError.TopicNotFound,
    );
    await fetch(`${sim.adminUrl}/admin/v2/persistent/public/default/parts/partitions`, {
      method: "PUT",
      body: "2",
      headers: { "Content-Type": "application/json" },
    });
    assert.equal(errorOf(await subscribe(other, "parts", 4n)), ServerError.MetadataError);
    assert.equal((await subscribe(other, "parts-partition-1", 5n)).command.type, T.SUCCESS);
    assert.equal(
      (await subscribe(peer, "busy", 1n)).command.type,
      T.SUCCESS,
      "a live consumer id: Success again",
    );
    peer.close();
    other.close();
  }));

test("ACK moves the durable cursor (ACK_RESPONSE for a request id); unload sends CLOSE_CONSUMER with request_id 2^64-1 and keeps the link", () =>
  withSim(async (sim, url) => {
    await sim.control.publish({ topic: "acks", count: 0 });
    const peer = await BinaryPeer.connected(url);
    await subscribe(peer, "acks", 1n, { subType: CommandSubscribe_SubType.Shared });
    await sim.control.publish({ topic: "acks", count: 3 });
    peer.send({ type: T.FLOW, flow: { consumer_id: 1n, messagePermits: 3 } });
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const m = (await peer.next(T.MESSAGE)).command;
      assert.ok(m.type === T.MESSAGE);
      ids.push(m.message.message_id);
    }
    peer.send({
      type: T.ACK,
      ack: {
        consumer_id: 1n,
        ack_type: CommandAck_AckType.Individual,
        message_id: [ids[0] ?? { ledgerId: 0n, entryId: 0n }],
        request_id: 77n,
      },
    });
    const ar = (await peer.next(T.ACK_RESPONSE)).command;
    assert.ok(ar.type === T.ACK_RESPONSE);
    assert.equal(ar.ackResponse.request_id, 77n);
    peer.send({
      type: T.ACK,
      ack: {
        consumer_id: 1n,
        ack_type: CommandAck_AckType.Cumulative,
        message_id: [ids[2] ?? { ledgerId: 0n, entryId: 0n }],
      },
    });
    await sync(peer);
    assert.equal((await stats(sim, "acks")).subscriptions["workers"]?.msgBacklog, 0);

    assert.deepEqual(await sim.control.unload("acks"), { closed: 1 });
    const cc = (await peer.next(T.CLOSE_CONSUMER)).command;
    assert.ok(cc.type === T.CLOSE_CONSUMER);
    assert.equal(cc.close_consumer.consumer_id, 1n);
    assert.equal(cc.close_consumer.request_id, NO_REQUEST);
    await sync(peer);
    assert.equal((await stats(sim, "acks")).subscriptions["workers"]?.consumers.length, 0);
    peer.close();
  }));
