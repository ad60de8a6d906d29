import { createInterface } from "node:readline";
import WebSocket from "ws";
import { decodeHubFrame } from "../../src/contract/codec.js";
import { LIMITS } from "../../src/contract/limits.js";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import type { HelloFrame, HubFrame } from "../../src/contract/frames.js";
import type { WatchKey } from "../../src/state/key.js";

/**
 * The sidecar sessions of bench/scenarios/hostile-gateway.ts, run as a process of their own so that
 * their frames do not delay the KEDA caller measured in the bench process:
 * `sidecar-fleet.ts URL TOKEN maximal|leases COUNT [IN_USE]`.
 *
 * - `maximal`: COUNT sessions, 64 connecting at a time, each sending a hello as large as the
 *   contract allows (256 keys filling the 64 KiB frame).
 * - `leases`: COUNT sessions of 256 keys each: key `gw-(i mod IN_USE)` (in use by the bench's
 *   ScaledObjects) and 255 of its own; each answers a grant with an observation, so it takes the key
 *   over from the hub's watcher.
 *
 * Joined sessions send heartbeats. Prints one JSON line once every session joined or was closed
 * (`{"joined": n, "closed": n, "codes": {...}}`); on the line `drop` on stdin it terminates every
 * socket at once, prints `{"dropped": n}` and exits.
 */

const CONCURRENCY = 64;

function maximalHello(i: number): HelloFrame {
  const keys: WatchKey[] = Array.from({ length: LIMITS.maxKeys }, (_, j) => ({
    cluster: "default",
    topic: `persistent://public/default/${"t".repeat(150)}-${i}-${j}`,
    subscription: `s-${i}-${j}`,
  }));
  return { v, type: "hello", pod: `hostile-${i}`, namespace: "bench", keys, sidecarVersion: "x" };
}

/** The key the bench's ScaledObject `gw-k` uses (bench/scenarios/hostile-gateway.ts). */
export const inUseKey = (k: number): WatchKey => ({
  cluster: "default",
  topic: `persistent://public/default/gw-${k}`,
  subscription: "workers",
});

function leasesHello(i: number, inUse: number): HelloFrame {
  const own = Array.from({ length: LIMITS.maxKeys - 1 }, (_, j) => ({
    cluster: "default",
    topic: `persistent://public/default/f${i}-${j}`,
    subscription: "workers",
  }));
  const keys = [inUseKey(i % inUse), ...own];
  return { v, type: "hello", pod: `fleet-${i}`, namespace: "bench", keys, sidecarVersion: "x" };
}

/** One session: its socket, and what it does with each hub frame. */
function connect(
  url: string,
  token: string,
  onFrame: (ws: WebSocket, f: HubFrame) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
  ws.on("error", () => {});
  ws.on("message", (data: Buffer) => onFrame(ws, decodeHubFrame(data)));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`upgrade refused: HTTP ${res.statusCode ?? 0}`)),
    );
  });
}

const send = (ws: WebSocket, frame: unknown) => ws.send(JSON.stringify(frame));

function observationOf(key: WatchKey) {
  const observation = {
    msgBacklog: 0,
    msgBacklogNoDelayed: 0,
    unackedMessages: 0,
    msgRateIn: 0,
    msgRateOut: 0,
    consumers: 1,
    partitions: 0,
    observedAt: Date.now(),
  };
  return { v, type: "observation", key, observation };
}

async function main(): Promise<void> {
  const [url = "", token = "", mode = "maximal", countArg = "0", inUseArg = "1"] = process.argv.slice(2);
  const count = Number(countArg);
  const inUse = Number(inUseArg);
  const sockets: WebSocket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const codes: Record<string, number> = {};
  let joined = 0;
  const one = async (i: number) => {
    let welcomed: (f: HubFrame) => void = () => {};
    const welcome = new Promise<HubFrame>((resolve) => (welcomed = resolve));
    const ws = await connect(url, token, (socket, f) => {
      if (f.type === "welcome") welcomed(f);
      else if (f.type === "grant" && mode === "leases") send(socket, observationOf(f.key));
    });
    sockets.push(ws);
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    send(ws, mode === "leases" ? leasesHello(i, inUse) : maximalHello(i));
    const first = await Promise.race([welcome, closed]);
    if (typeof first === "number") {
      codes[first] = (codes[first] ?? 0) + 1;
      return;
    }
    joined++;
    const every = first.type === "welcome" ? first.heartbeatIntervalMs : 3000;
    timers.push(setInterval(() => send(ws, { v, type: "heartbeat", sentAt: Date.now() }), every));
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await one(next++);
    }),
  );
  const closed = Object.values(codes).reduce((a, b) => a + b, 0);
  process.stdout.write(`${JSON.stringify({ joined, closed, codes })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== "drop") continue;
    for (const t of timers) clearInterval(t);
    for (const ws of sockets) ws.terminate();
    process.stdout.write(`${JSON.stringify({ dropped: sockets.length })}\n`);
    break;
  }
  process.exit(0);
}

await main();
