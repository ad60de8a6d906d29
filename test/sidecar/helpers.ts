import { writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import type { RunningSimulator } from "../../src/sim/index.js";
import { adminCall, mustAdmin } from "../pulsar/sim-helpers.js";
import { eventually } from "../support/latch.js";

/** Creates `persistent://public/default/<topic>` with subscription `sub` on the simulator. */
export async function topicWithSubscription(
  sim: RunningSimulator,
  topic: string,
  sub: string,
): Promise<void> {
  const path = `/admin/v2/persistent/public/default/${topic}`;
  await mustAdmin(sim.adminUrl, "PUT", path);
  await mustAdmin(sim.adminUrl, "PUT", `${path}/subscription/${sub}`);
}

export interface Producer {
  /** Sends one message; resolves with the time it was written, once the broker acknowledged it. */
  send(): Promise<number>;
  close(): void;
}

/** A producer on the simulator's WebSocket API (`/ws/v2/producer/persistent/public/default/<topic>`). */
export async function producer(sim: RunningSimulator, topic: string): Promise<Producer> {
  const ws = new WebSocket(`${sim.wsUrl}/ws/v2/producer/persistent/public/default/${topic}`);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const pending = new Map<string, () => void>();
  ws.on("message", (data: Buffer) => {
    const msg = JSON.parse(data.toString("utf8")) as { context?: string };
    if (msg.context !== undefined) pending.get(msg.context)?.();
  });
  let ctx = 0;
  return {
    send: () => {
      const context = String(++ctx);
      const sentAt = Date.now();
      const acked = new Promise<number>((resolve) => pending.set(context, () => resolve(sentAt)));
      ws.send(JSON.stringify({ payload: Buffer.from("hi").toString("base64"), properties: {}, context }));
      return acked;
    },
    close: () => ws.close(),
  };
}

/** A token file in `dir` (a tempDir of the test file). */
export function tokenFile(dir: string, token: string): string {
  const path = join(dir, "token");
  writeFileSync(path, `${token}\n`);
  return path;
}

/**
 * Resolves once a reader is attached to `persistent://public/default/<topic>`: readers show in the
 * topic's stats as non-durable `reader-<hex>` subscriptions, as on a real broker. A publish after
 * this is seen by the watcher's arrival reader, so a test publishes once instead of in a loop.
 */
export async function readerAttached(sim: RunningSimulator, topic: string): Promise<void> {
  await eventually(
    async () => {
      const res = await adminCall(sim.adminUrl, "GET", `/admin/v2/persistent/public/default/${topic}/stats`);
      const stats = JSON.parse(res.body) as { subscriptions?: Record<string, unknown> };
      return Object.keys(stats.subscriptions ?? {}).some((s) => s.startsWith("reader-"));
    },
    5000,
    `a reader on ${topic}`,
  );
}
