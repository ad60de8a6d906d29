import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { test } from "node:test";
import { noAuth } from "../../src/pulsar/auth/none.js";
import { loadPulsarCodec } from "../../src/pulsar/binary/commands.js";
import { BaseCommand_Type as T } from "../../src/pulsar/binary/generated/pulsar-api.js";
import { ConnectionPool } from "../../src/pulsar/binary/pool.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeBroker } from "./binary-fake-broker.js";

/**
 * The pool's idle sweep: a connection with no consumer, no pending request and no `get` for a
 * while (e.g. the old broker's after an ownership move) is closed, and the broker sees the close.
 */

const IDLE_MS = 1000;
const codec = loadPulsarCodec();
const handler = { onMessage: () => undefined, onClosedByBroker: () => undefined };

function pool(clock: FakeClock): ConnectionPool {
  // PINGs far beyond the test's fake time: only the sweep closes connections here.
  return new ConnectionPool({
    auth: noAuth(),
    clock,
    codec,
    timing: { pingIntervalMs: 600_000 },
    idleCloseMs: IDLE_MS,
  });
}

const socketClosed = (socket: Socket): Promise<void> =>
  socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once("close", () => resolve()));

void test("a connection whose consumers have all gone is closed after two idle sweeps; the next get opens a new one", async () => {
  const broker = await FakeBroker.start();
  const clock = new FakeClock();
  const p = pool(clock);
  try {
    const conn = await p.get(broker.url);
    const peer = await broker.peers.next();
    const id = conn.newConsumerId();
    conn.registerConsumer(id, handler);
    clock.advance(IDLE_MS);
    clock.advance(IDLE_MS);
    assert.equal(conn.closed, false, "a connection with a consumer stays");

    conn.unregisterConsumer(id);
    clock.advance(IDLE_MS);
    assert.equal(conn.closed, false, "idle at one sweep: marked, not closed");
    clock.advance(IDLE_MS);
    assert.equal(conn.closed, true, "idle at two sweeps in a row: closed");
    await socketClosed(peer.socket);
    assert.deepEqual(p.counters(), { open: 0, opened: 1, idleClosed: 1 });

    const again = await p.get(broker.url);
    assert.notEqual(again, conn);
    await broker.peers.next();
    assert.equal(p.counters().opened, 2);
  } finally {
    await p.close();
    await broker.close();
  }
});

void test("a get or a pending request between sweeps keeps an idle connection open", async () => {
  const broker = await FakeBroker.start();
  broker.script = { lookup: () => "silence" };
  const clock = new FakeClock();
  const p = pool(clock);
  try {
    const conn = await p.get(broker.url);
    const peer = await broker.peers.next();
    clock.advance(IDLE_MS); // marked idle
    assert.equal(await p.get(broker.url), conn, "the same connection, and the mark cleared");
    clock.advance(IDLE_MS);
    assert.equal(conn.closed, false);

    // A request awaiting its reply: not idle at either sweep.
    const reply = conn.request((request_id) => ({
      type: T.LOOKUP,
      lookupTopic: { topic: "persistent://public/default/t", request_id, authoritative: false },
    }));
    reply.catch(() => undefined);
    await peer.next(T.LOOKUP);
    clock.advance(IDLE_MS);
    clock.advance(IDLE_MS);
    assert.equal(conn.closed, false, "a pending request keeps the connection");
    assert.equal(p.counters().idleClosed, 0);
  } finally {
    await p.close();
    await broker.close();
  }
});
