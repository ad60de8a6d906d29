import assert from "node:assert/strict";
import { test } from "node:test";
import { BaseCommand_Type as T, ServerError } from "../../src/pulsar/binary/generated/pulsar-api.js";
import { messages, producer, send, stats, subscribe, sync, withSim } from "./binary-commands.js";
import { BinaryPeer, codec } from "./binary-peer.js";

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
