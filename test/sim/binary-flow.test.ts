import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BaseCommand_Type as T,
  CommandAck_AckType,
  CommandSubscribe_SubType,
  ServerError,
  type CommandSubscribe,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { BinaryPeer, codec, type PeerFrame } from "./binary-peer.js";

const LATEST = (1n << 63n) - 1n;
const NO_REQUEST = 0xffff_ffff_ffff_ffffn;
const topicOf = (local: string) => `persistent://public/default/${local}`;

async function withSim(fn: (sim: RunningSimulator, url: string) => Promise<void>): Promise<void> {
  const sim = await startSimulator();
  try {
    await fn(sim, sim.serviceUrl ?? "");
  } finally {
    await sim.close();
  }
}

async function stats(
  sim: RunningSimulator,
  local: string,
): Promise<{
  msgInCounter: number;
  subscriptions: Record<string, { msgBacklog: number; durable?: boolean; consumers: unknown[] }>;
}> {
  const res = await fetch(`${sim.adminUrl}/admin/v2/persistent/public/default/${local}/stats`);
  return (await res.json()) as Awaited<ReturnType<typeof stats>>;
}

let requests = 100n;

/** PRODUCER, awaiting PRODUCER_SUCCESS. */
async function producer(peer: BinaryPeer, local: string, id: bigint): Promise<void> {
  peer.send({
    type: T.PRODUCER,
    producer: { topic: topicOf(local), producer_id: id, request_id: ++requests },
  });
  await peer.next(T.PRODUCER_SUCCESS, "PRODUCER_SUCCESS");
}

function send(
  peer: BinaryPeer,
  id: bigint,
  seq: bigint,
  text: string,
  o: { batch?: number; checksum?: boolean } = {},
): void {
  peer.send(
    {
      type: T.SEND,
      send: { producer_id: id, sequence_id: seq, ...(o.batch ? { num_messages: o.batch } : {}) },
    },
    {
      metadata: {
        producer_name: "flow-test",
        sequence_id: seq,
        publish_time: BigInt(Date.now()),
        properties: [{ key: "k", value: "v" }],
        ...(o.batch ? { num_messages_in_batch: o.batch } : {}),
      },
      payload: Buffer.from(text),
      checksum: o.checksum ?? true,
    },
  );
}

/** SUBSCRIBE, resolving with the SUCCESS or ERROR answer. */
async function subscribe(
  peer: BinaryPeer,
  local: string,
  id: bigint,
  over: Partial<CommandSubscribe> = {},
): Promise<PeerFrame> {
  const request_id = ++requests;
  peer.send({
    type: T.SUBSCRIBE,
    subscribe: {
      topic: topicOf(local),
      subscription: "workers",
      subType: CommandSubscribe_SubType.Exclusive,
      consumer_id: id,
      request_id,
      ...over,
    },
  });
  return await peer.frames.next(
    (f) =>
      (f.command.type === T.SUCCESS && f.command.success.request_id === request_id) ||
      (f.command.type === T.ERROR && f.command.error.request_id === request_id),
    5000,
    "SUBSCRIBE answer",
  );
}

/** A round trip: everything the broker sent before the PONG is in the queue. */
async function sync(peer: BinaryPeer): Promise<void> {
  peer.send({ type: T.PING, ping: {} });
  await peer.next(T.PONG, "PONG");
}

const messages = (peer: BinaryPeer) => peer.frames.all.filter((f) => f.command.type === T.MESSAGE);

test("SEND publishes with a receipt and a backlog; a bad checksum gets SEND_ERROR and keeps the link; none is accepted", () =>
  withSim(async (sim, url) => {
    const peer = await BinaryPeer.connected(url);
    assert.equal((await subscribe(peer, "orders", 1n)).command.type, T.SUCCESS);
    await producer(peer, "orders", 7n);
    send(peer, 7n, 0n, "one");
    const r = (await peer.next(T.SEND_RECEIPT)).command;
    assert.ok(r.type === T.SEND_RECEIPT);
    assert.equal(r.send_receipt.sequence_id, 0n);
    assert.equal(r.send_receipt.message_id?.entryId, 0n);
    // Corrupt one payload byte after the checksum was computed.
    const frame = codec.encodeCommand(
      { type: T.SEND, send: { producer_id: 7n, sequence_id: 1n } },
      { metadata: { producer_name: "p", sequence_id: 1n, publish_time: 1n }, payload: Buffer.from("two") },
    );
    frame.writeUInt8(frame.readUInt8(frame.length - 1) ^ 0xff, frame.length - 1);
    peer.socket.write(frame);
    const e = (await peer.next(T.SEND_ERROR)).command;
    assert.ok(e.type === T.SEND_ERROR);
    assert.equal(e.send_error.error, ServerError.ChecksumError);
    assert.equal(e.send_error.message, "Checksum failed on the broker");
    send(peer, 7n, 2n, "three", { checksum: false });
    await peer.next(T.SEND_RECEIPT, "receipt of the frame without checksum");
    const s = await stats(sim, "orders");
    assert.equal(s.msgInCounter, 2);
    assert.equal(s.subscriptions["workers"]?.msgBacklog, 2);
    peer.close();
  }));

test("MESSAGE forwards the stored entry: the producer's metadata bytes, its checksum or none; others get metadata and a checksum", () =>
  withSim(async (sim, url) => {
    const peer = await BinaryPeer.connected(url);
    await subscribe(peer, "fwd", 1n);
    await producer(peer, "fwd", 2n);
    send(peer, 2n, 0n, "with");
    send(peer, 2n, 1n, "without", { checksum: false });
    await peer.next(T.SEND_RECEIPT);
    await peer.next(T.SEND_RECEIPT);
    await sim.control.publish({ topic: "fwd", payload: "from-admin", key: "k1" });
    peer.send({ type: T.FLOW, flow: { consumer_id: 1n, messagePermits: 10 } });
    const got = [await peer.next(T.MESSAGE), await peer.next(T.MESSAGE), await peer.next(T.MESSAGE)];
    const [a, b, c] = got.map((f) => f.payload);
    assert.equal(a?.checksumOk, true);
    assert.equal(Buffer.from(a?.payload ?? []).toString(), "with");
    assert.equal(codec.decodeMetadata(a?.metadata ?? new Uint8Array()).producer_name, "flow-test");
    assert.equal(b?.checksumOk, undefined, "forwarded without the checksum it came without");
    assert.equal(Buffer.from(b?.payload ?? []).toString(), "without");
    assert.equal(c?.checksumOk, true);
    const meta = codec.decodeMetadata(c?.metadata ?? new Uint8Array());
    assert.equal(meta.partition_key, "k1");
    assert.ok(meta.publish_time > 0n);
    assert.equal(Buffer.from(c?.payload ?? []).toString(), "from-admin");
    const ids = got.map((f) => (f.command.type === T.MESSAGE ? f.command.message.message_id.entryId : -1n));
    assert.deepEqual(ids, [0n, 1n, 2n]);
    peer.close();
  }));

test("FLOW permits pay a batch's message count: one permit brings a 5-message batch and the balance must be repaid", () =>
  withSim(async (sim, url) => {
    const peer = await BinaryPeer.connected(url);
    await subscribe(peer, "batches", 1n);
    await producer(peer, "batches", 2n);
    send(peer, 2n, 0n, "batch-of-5", { batch: 5 });
    await peer.next(T.SEND_RECEIPT);
    assert.equal((await stats(sim, "batches")).subscriptions["workers"]?.msgBacklog, 1, "one entry");
    peer.send({ type: T.FLOW, flow: { consumer_id: 1n, messagePermits: 1 } });
    await peer.next(T.MESSAGE, "the batch");
    send(peer, 2n, 5n, "single");
    await peer.next(T.SEND_RECEIPT);
    peer.send({ type: T.FLOW, flow: { consumer_id: 1n, messagePermits: 1 } });
    await sync(peer);
    assert.equal(messages(peer).length, 1, "balance -3 after FLOW 1: nothing more");
    peer.send({ type: T.FLOW, flow: { consumer_id: 1n, messagePermits: 4 } });
    const m = (await peer.next(T.MESSAGE, "the single message once repaid")).command;
    assert.ok(m.type === T.MESSAGE);
    assert.equal(m.message.message_id.entryId, 1n);
    peer.close();
  }));

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
