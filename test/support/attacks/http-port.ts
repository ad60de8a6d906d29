import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { PROTOCOL_VERSION } from "../../../src/contract/version.js";
import type { WatchKey } from "../../../src/state/key.js";
import { scrape } from "../scrape.js";
import { inParallel, Tally, type AttackResult, type AttackTarget } from "./target.js";

/*
 * Attacks on the hub's HTTP port (issue 11 item 9): slow and never-reading peers on the sidecar
 * endpoint, and /metrics scraped in a loop.
 */

/** Resolves once the socket is open (or failed); never rejects. */
function opened(ws: WebSocket): Promise<boolean> {
  return new Promise((resolve) => {
    ws.once("open", () => resolve(true));
    ws.once("error", () => resolve(false));
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      resolve(false);
    });
  });
}

/**
 * Holds, at once: `count` token holders that send hello announcing `keys` and then never read
 * (their socket paused: whatever the hub sends piles up) nor write; `count` that upgrade and never
 * send hello; `count` raw sockets that send half an upgrade request, a byte at a time (slowloris).
 * `during` runs while they are all held; then every socket is destroyed.
 */
export async function slowPeers(
  target: AttackTarget,
  count: number,
  keys: readonly WatchKey[],
  during: () => Promise<void>,
): Promise<AttackResult> {
  const t = new Tally();
  const url = `ws://127.0.0.1:${target.httpPort}/v1/sidecars`;
  const headers = { Authorization: `Bearer ${target.sidecarToken}` };
  const sockets: WebSocket[] = [];
  const raws: Socket[] = [];
  try {
    await inParallel(count * 2, 32, async (i) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      ws.on("error", () => {});
      sockets.push(ws);
      t.sent++;
      if (!(await opened(ws))) return t.add("upgrade refused");
      if (i % 2 === 0) {
        const hello = {
          v: PROTOCOL_VERSION,
          type: "hello",
          pod: `slow-${i}`,
          namespace: "hostile",
          keys,
          sidecarVersion: "0",
        };
        ws.send(JSON.stringify(hello));
        (ws as unknown as { _socket: Socket })._socket.pause();
        t.add("hello, never reading");
      } else t.add("no hello");
    });
    const line = `GET /v1/sidecars HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${target.sidecarToken}\r\n`;
    await inParallel(count, 32, async () => {
      const s = connect(target.httpPort, "127.0.0.1");
      s.on("error", () => {});
      raws.push(s);
      t.sent++;
      await new Promise<void>((resolve) => s.once("connect", () => resolve()));
      s.write(line.slice(0, 20)); // the rest never comes
      t.add("half an upgrade");
    });
    await during();
    t.add("closed by the hub", [...sockets].filter((w) => w.readyState === WebSocket.CLOSED).length);
  } finally {
    for (const ws of sockets) ws.terminate();
    for (const s of raws) s.destroy();
  }
  return t.result();
}

/** `count` GET /metrics, `concurrency` at a time; outcome by HTTP status, plus the bytes read. */
export async function scrapeLoop(
  target: AttackTarget,
  count: number,
  concurrency: number,
): Promise<AttackResult> {
  const t = new Tally();
  await inParallel(count, concurrency, async () => {
    t.sent++;
    try {
      const text = await scrape(target.httpPort);
      t.add(text.includes("# HELP ") ? "200" : "empty");
    } catch {
      t.add("failed");
    }
  });
  return t.result();
}
