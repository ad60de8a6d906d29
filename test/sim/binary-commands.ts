import {
  BaseCommand_Type as T,
  CommandSubscribe_SubType,
  type CommandSubscribe,
} from "../../src/pulsar/binary/generated/pulsar-api.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import type { BinaryPeer, PeerFrame } from "./binary-peer.js";

/** Commands of the binary endpoint tests, sent by a BinaryPeer and awaited. */

/** MessageId.latest: ledger and entry 2^63-1. */
export const LATEST = (1n << 63n) - 1n;
export const NO_REQUEST = 0xffff_ffff_ffff_ffffn;
export const topicOf = (local: string) => `persistent://public/default/${local}`;

/** Runs `fn` against a fresh simulator (binary endpoint on free ports) and its service URL, always closing it. */
export async function withSim(
  fn: (sim: RunningSimulator, url: string) => Promise<void>,
  opts: Parameters<typeof startSimulator>[0] = {},
): Promise<void> {
  const sim = await startSimulator(opts);
  try {
    await fn(sim, sim.serviceUrl ?? "");
  } finally {
    await sim.close();
  }
}

export async function stats(
  sim: RunningSimulator,
  local: string,
): Promise<{
  msgInCounter: number;
  subscriptions: Record<string, { msgBacklog: number; durable?: boolean; consumers: unknown[] }>;
}> {
  const res = await fetch(`${sim.adminUrl}/admin/v2/persistent/public/default/${local}/stats`);
  return (await res.json()) as Awaited<ReturnType<typeof stats>>;
}

/** PRODUCER, awaiting PRODUCER_SUCCESS. */
export async function producer(peer: BinaryPeer, local: string, id: bigint): Promise<void> {
  peer.send({
    type: T.PRODUCER,
    producer: { topic: topicOf(local), producer_id: id, request_id: peer.nextRequestId() },
  });
  await peer.next(T.PRODUCER_SUCCESS, "PRODUCER_SUCCESS");
}

export function send(
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
export async function subscribe(
  peer: BinaryPeer,
  local: string,
  id: bigint,
  over: Partial<CommandSubscribe> = {},
): Promise<PeerFrame> {
  const request_id = peer.nextRequestId();
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
export async function sync(peer: BinaryPeer): Promise<void> {
  peer.send({ type: T.PING, ping: {} });
  await peer.next(T.PONG, "PONG");
}

export const messages = (peer: BinaryPeer) => peer.frames.all.filter((f) => f.command.type === T.MESSAGE);
