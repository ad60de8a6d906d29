// Shared by the binary tripwire tests: a BinaryArrivalSource on a FakeClock against a FakeBroker,
// its statuses and arrivals queued.
import assert from "node:assert/strict";
import { noAuth } from "../../src/pulsar/auth/none.js";
import { BinaryArrivalSource, type BinaryTiming } from "../../src/pulsar/binary/arrival-source.js";
import { loadPulsarCodec } from "../../src/pulsar/binary/commands.js";
import { BaseCommand_Type as T } from "../../src/pulsar/binary/generated/pulsar-api.js";
import type { ArrivalStatus } from "../../src/pulsar/ports.js";
import type { ArrivalEvent } from "../../src/pulsar/snapshot.js";
import { parseTopicName, topicToString, type TopicName } from "../../src/pulsar/topic-name.js";
import { FakeClock } from "../support/fake-clock.js";
import { FrameQueue } from "../support/frame-queue.js";
import { FakeBroker, type FakePeer } from "./binary-fake-broker.js";

const codec = loadPulsarCodec();
export const topic = parseTopicName("persistent://public/default/orders");
export const NAME = topicToString(topic);

export interface Harness {
  readonly broker: FakeBroker;
  readonly clock: FakeClock;
  readonly source: BinaryArrivalSource;
  readonly statuses: FrameQueue<ArrivalStatus>;
  readonly arrivals: FrameQueue<ArrivalEvent>;
  close(): Promise<void>;
}

export async function harness(timing?: BinaryTiming): Promise<Harness> {
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

export function watch(h: Harness, t: TopicName = topic, partitions = 0) {
  return h.source.subscribe(
    t,
    partitions,
    (e) => h.arrivals.push(e),
    (s) => h.statuses.push(s),
  );
}

export const connected = (h: Harness) => h.statuses.next((s) => s.kind === "connected", 5000, "connected");
export async function disconnected(h: Harness): Promise<Extract<ArrivalStatus, { kind: "disconnected" }>> {
  const s = await h.statuses.next((x) => x.kind === "disconnected", 5000, "disconnected");
  assert.equal(s.kind, "disconnected");
  return s;
}

/** A PING from the fake answered: everything the client sent before it has been read. */
export async function roundTrip(peer: FakePeer): Promise<void> {
  peer.send({ type: T.PING, ping: {} });
  await peer.next(T.PONG, "PONG");
}

export const types = (peer: FakePeer | undefined): number[] => peer?.received.all.map((c) => c.type) ?? [];
export const subscribes = (peer: FakePeer | undefined) =>
  peer?.received.all.flatMap((c) => (c.type === T.SUBSCRIBE ? [c.subscribe] : [])) ?? [];
