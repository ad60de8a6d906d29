import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type http from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import type { Clock, TimerHandle } from "../../src/lib/clock.js";
import { systemClock } from "../../src/lib/clock.js";
import { ArrivalStream } from "../../src/pulsar/arrival-stream.js";
import { createAuthProvider } from "../../src/pulsar/auth/index.js";
import type { PulsarAuth } from "../../src/pulsar/cluster.js";
import {
  ArrivalsUnavailableError,
  AuthenticationError,
  AuthorizationError,
  NetworkError,
  TimeoutError,
  UpgradeError,
} from "../../src/pulsar/errors.js";
import type { ArrivalStatus } from "../../src/pulsar/ports.js";
import type { ArrivalEvent } from "../../src/pulsar/snapshot.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { FakeClock } from "../support/fake-clock.js";
import { eventually, Latch } from "../support/latch.js";
import { cluster, startHttp, type TestServer } from "./helpers.js";

const topic = parseTopicName("persistent://public/default/orders");
const FAST = { baseMs: 5, maxMs: 20 };

interface WsServer extends TestServer {
  upgrades: Array<{ url: string; auth: string | undefined }>;
  acks: string[];
  sockets: WebSocket[];
  /** Status answered to upgrades instead of accepting them (0: accept). */
  rejectWith: number;
}

async function startWs(): Promise<WsServer> {
  const wss = new WebSocketServer({ noServer: true });
  const srv = await startHttp((_req, res) => res.writeHead(404).end());
  const closeHttp = () => srv.close();
  const self: WsServer = {
    ...srv,
    upgrades: [],
    acks: [],
    sockets: [],
    rejectWith: 0,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await closeHttp();
    },
  };
  srv.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    self.upgrades.push({ url: req.url ?? "", auth: req.headers.authorization });
    if (self.rejectWith !== 0) {
      socket.end(`HTTP/1.1 ${self.rejectWith} No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      self.sockets.push(ws);
      ws.on("message", (data: Buffer) =>
        self.acks.push((JSON.parse(data.toString()) as { messageId: string }).messageId),
      );
    });
  });
  return self;
}

function frame(id: string, publishTime = "2025-10-25T09:03:39.961Z"): string {
  return JSON.stringify({
    messageId: id,
    payload: "aGVsbG8=",
    properties: {},
    publishTime,
    redeliveryCount: 0,
  });
}

function stream(url: string, clock: Clock, auth: PulsarAuth = { kind: "none" }, extra = {}) {
  const c = cluster(url, { auth });
  return new ArrivalStream(c, {
    clock,
    auth: createAuthProvider(auth, { clock, timeoutMs: 1000 }),
    backoff: FAST,
    ...extra,
  });
}

function collect() {
  const events: ArrivalEvent[] = [];
  const statuses: ArrivalStatus[] = [];
  return {
    events,
    statuses,
    onArrival: (e: ArrivalEvent) => events.push(e),
    onStatus: (s: ArrivalStatus) => statuses.push(s),
  };
}

/** Resolves when the server sees socket `i` closed. */
function socketClosed(srv: WsServer, i: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = srv.sockets[i];
    if (!ws || ws.readyState === ws.CLOSED) return resolve();
    ws.once("close", () => resolve());
  });
}

void test("tripwire from latest: upgrade URL and header, no acks, the first message fires it, typed event", async (t) => {
  const srv = await startWs();
  const clock = new FakeClock();
  const s = stream(srv.url, clock, { kind: "token", token: "jwt-x" });
  const got = collect();
  const sub = s.subscribe(topic, 0, got.onArrival, got.onStatus);
  t.after(async () => {
    await sub.close();
    await srv.close();
  });
  await eventually(() => srv.sockets.length === 1, 2000, "connection");
  assert.deepEqual(srv.upgrades, [
    {
      url: "/ws/v2/reader/persistent/public/default/orders?messageId=latest&receiverQueueSize=1",
      auth: "Bearer jwt-x",
    },
  ]);
  await eventually(() => got.statuses.length === 1);
  assert.deepEqual(got.statuses[0], { kind: "connected", topic, partition: -1 });
  srv.sockets[0]?.send("not json");
  srv.sockets[0]?.send(JSON.stringify({ payload: "no id" }));
  srv.sockets[0]?.send(frame("CAMQADAA"));
  srv.sockets[0]?.send(frame("CAMQADAB"));
  await socketClosed(srv, 0);
  assert.equal(got.events.length, 1, "fired by the first message; the reader closed itself");
  assert.deepEqual(got.events[0], {
    topic,
    partition: -1,
    publishTime: Date.parse("2025-10-25T09:03:39.961Z"),
    receivedAt: clock.now(),
  });
  assert.deepEqual(s.counters(), { arrivals: 1, badFrames: 2, openReaders: 1, connectAttempts: 1 });
  assert.equal(got.statuses.length, 1, "bad frames are not fatal, and a fired reader is not disconnected");
  assert.equal(clock.pending(), 0, "no reconnect, no ping: spent until rearm()");
  sub.rearm();
  await eventually(() => got.statuses.length === 2, 2000, "re-armed");
  assert.deepEqual(got.statuses[1], { kind: "connected", topic, partition: -1 });
  assert.equal(srv.upgrades[1]?.url, srv.upgrades[0]?.url, "again from latest");
  sub.rearm();
  srv.sockets[1]?.send(frame("CAMQADAC", "garbage-date"));
  await socketClosed(srv, 1);
  assert.equal(
    got.events[1]?.publishTime,
    clock.now(),
    "unreadable publishTime falls back to the receive time",
  );
  assert.deepEqual(srv.acks, [], "never acknowledged");
  assert.equal(srv.upgrades.length, 2, "rearm() while armed is a no-op");
});

void test("a partitioned topic gets one reader per partition", async (t) => {
  const srv = await startWs();
  const s = stream(srv.url, new FakeClock());
  const got = collect();
  const sub = s.subscribe(topic, 3, got.onArrival, got.onStatus);
  t.after(async () => {
    await sub.close();
    await srv.close();
  });
  await eventually(() => srv.sockets.length === 3);
  assert.deepEqual(
    srv.upgrades.map((u) => u.url).sort(),
    [0, 1, 2].map(
      (i) =>
        `/ws/v2/reader/persistent/public/default/orders-partition-${i}?messageId=latest&receiverQueueSize=1`,
    ),
  );
  srv.sockets.forEach((ws) => ws.send(frame("id")));
  await eventually(() => got.events.length === 3);
  assert.deepEqual(got.events.map((e) => e.partition).sort(), [0, 1, 2]);
  await sub.close();
  assert.equal(s.counters().openReaders, 0);
});

for (const [status, cls] of [
  [401, AuthenticationError],
  [403, AuthorizationError],
  [500, UpgradeError],
  [429, UpgradeError],
] as const) {
  void test(`upgrade answered ${status} -> disconnected with ${cls.name}, retried with backoff`, async (t) => {
    const srv = await startWs();
    srv.rejectWith = status;
    const s = stream(srv.url, systemClock);
    const got = collect();
    const sub = s.subscribe(topic, 0, got.onArrival, got.onStatus);
    t.after(async () => {
      await sub.close();
      await srv.close();
    });
    await eventually(() => got.statuses.length >= 2, 3000, "two failures");
    const first = got.statuses[0];
    assert.ok(first?.kind === "disconnected", JSON.stringify(first));
    assert.ok(first.error instanceof cls, String(first.error));
    if (first.error instanceof UpgradeError) assert.equal(first.error.status, status);
    assert.ok(first.retryInMs >= FAST.baseMs && first.retryInMs <= FAST.maxMs);
    srv.rejectWith = 0;
    await eventually(() => got.statuses.some((x) => x.kind === "connected"), 3000, "recovers");
  });
}

/** A FakeClock that remembers the delays it was asked for (to tell slow retries from other timers). */
class RecordingClock extends FakeClock {
  readonly delays: number[] = [];
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms);
    return super.setTimeout(fn, ms);
  }
  scheduled(ms: number): number {
    return this.delays.filter((d) => d === ms).length;
  }
}

void test("WebSocket service off (404): unavailable once, slow retries, recovers when turned on", async (t) => {
  const srv = await startWs();
  srv.rejectWith = 404;
  const clock = new RecordingClock();
  const s = stream(srv.url, clock, { kind: "none" }, { unavailableRetryMs: 60_000 });
  const got = collect();
  const sub = s.subscribe(topic, 2, got.onArrival, got.onStatus);
  t.after(async () => {
    await sub.close();
    await srv.close();
  });
  await eventually(() => clock.scheduled(60_000) === 2, 2000, "both readers refused");
  assert.equal(srv.upgrades.length, 2);
  assert.equal(got.statuses.length, 1, "said once per subscription");
  const st = got.statuses[0];
  assert.ok(st?.kind === "unavailable" && st.error instanceof ArrivalsUnavailableError);
  clock.advance(59_999);
  assert.equal(srv.upgrades.length, 2, "no retry before the slow period");
  clock.advance(1);
  await eventually(() => clock.scheduled(60_000) === 4, 2000, "slow retry");
  assert.equal(srv.upgrades.length, 4);
  assert.equal(got.statuses.length, 1, "not repeated");
  srv.rejectWith = 0;
  clock.advance(60_000);
  await eventually(() => got.statuses.filter((x) => x.kind === "connected").length === 2, 2000, "recovered");
});

void test("connection refused on the ws URL: unavailable", async (t) => {
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  const clock = new FakeClock();
  const s = stream(`http://127.0.0.1:${port}`, clock);
  const got = collect();
  const sub = s.subscribe(topic, 0, got.onArrival, got.onStatus);
  t.after(() => sub.close());
  await eventually(() => got.statuses.length === 1);
  assert.equal(got.statuses[0]?.kind, "unavailable");
});

void test("a session closed by the server reconnects with backoff", async (t) => {
  const srv = await startWs();
  const s = stream(srv.url, systemClock);
  const got = collect();
  const sub = s.subscribe(topic, 0, got.onArrival, got.onStatus);
  t.after(async () => {
    await sub.close();
    await srv.close();
  });
  await eventually(() => srv.sockets.length === 1);
  srv.sockets[0]?.close(1011, "session error");
  await eventually(
    () => got.statuses.filter((x) => x.kind === "connected").length === 2,
    3000,
    "reconnected",
  );
  assert.deepEqual(
    got.statuses.map((x) => x.kind),
    ["connected", "disconnected", "connected"],
  );
  const d = got.statuses[1];
  assert.ok(d?.kind === "disconnected" && d.error instanceof NetworkError);
  srv.sockets[1]?.send(frame("after"));
  await eventually(() => got.events.length === 1);
});

void test("liveness: a connection that stops answering pings is terminated within ping + pong time", async (t) => {
  // Completes the upgrade by hand, then never reads: no pong ever comes back.
  const held: net.Socket[] = [];
  const srv = await startHttp((_req, res) => res.end());
  srv.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
    socket.on("error", () => socket.destroy());
    held.push(socket);
    const accept = createHash("sha1")
      .update(`${String(req.headers["sec-websocket-key"])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
  });
  const clock = new FakeClock();
  const s = stream(srv.url, clock, { kind: "none" }, { pingIntervalMs: 50, pongTimeoutMs: 50 });
  const up = new Latch(1);
  const down = new Latch(1);
  const got = collect();
  const sub = s.subscribe(topic, 0, got.onArrival, (st) => {
    got.onStatus(st);
    if (st.kind === "connected") up.hit();
    if (st.kind === "disconnected") down.hit();
  });
  t.after(async () => {
    await sub.close();
    held.forEach((h) => h.destroy());
    await srv.close();
  });
  await up.wait(2000, "connected");
  clock.advance(50); // the ping goes out
  clock.advance(49);
  assert.equal(got.statuses.length, 1, "still up just before ping + pong time");
  clock.advance(1); // no pong within pongTimeoutMs
  await down.wait(2000, "dead connection noticed");
  const d = got.statuses.find((x) => x.kind === "disconnected");
  assert.ok(d?.kind === "disconnected" && d.error instanceof TimeoutError, JSON.stringify(d));
});

void test("a service that keeps pushing regardless: one arrival per arming, the rest never read", async (t) => {
  const srv = await startWs();
  const s = stream(srv.url, systemClock);
  const got = collect();
  const sub = s.subscribe(topic, 2, got.onArrival, got.onStatus);
  t.after(async () => {
    await sub.close();
    await srv.close();
  });
  await eventually(() => srv.sockets.length === 2);
  for (let i = 0; i < 1500; i++) srv.sockets[0]?.send(frame(`m${i}`));
  await socketClosed(srv, 0);
  assert.equal(got.events.length, 1);
  assert.deepEqual(srv.acks, []);
  sub.rearm();
  await eventually(() => srv.sockets.length === 3, 2000, "only the fired partition reconnects");
  srv.sockets[1]?.send(frame("p1"));
  srv.sockets[2]?.send(frame("p0 again"));
  await eventually(() => got.events.length === 3, 2000, "both fire");
  assert.deepEqual(s.counters().arrivals, 3);
});

void test("close() stops reconnecting", async (t) => {
  const srv = await startWs();
  srv.rejectWith = 500;
  const clock = new FakeClock();
  const s = stream(srv.url, clock);
  const got = collect();
  const sub = s.subscribe(topic, 0, got.onArrival, got.onStatus);
  t.after(() => srv.close());
  await eventually(() => got.statuses.length >= 1);
  assert.equal(clock.pending(), 1, "the reconnect is scheduled");
  await sub.close();
  await s.close();
  assert.equal(clock.pending(), 0, "close() cancelled the reconnect");
  const n = srv.upgrades.length;
  clock.advance(FAST.maxMs * 100); // long past any backoff
  assert.equal(clock.pending(), 0, "nothing rescheduled");
  assert.equal(srv.upgrades.length, n);
});

void test("a 5 MiB message (a ~7 MB frame) fires the tripwire: the frame cap follows the broker's limit", async (t) => {
  const srv = await startWs();
  const s = stream(srv.url, new FakeClock());
  const got = collect();
  const sub = s.subscribe(topic, 0, got.onArrival, got.onStatus);
  t.after(async () => {
    await sub.close();
    await srv.close();
  });
  await eventually(() => srv.sockets.length === 1);
  const payload = Buffer.alloc(5 * 1024 * 1024, 7).toString("base64");
  srv.sockets[0]?.send(
    JSON.stringify({
      messageId: "CAMQADAA",
      payload,
      properties: { k: "v" },
      publishTime: "2025-10-25T09:03:39.961Z",
    }),
  );
  await socketClosed(srv, 0);
  assert.equal(got.events.length, 1);
  assert.deepEqual(
    got.statuses.map((x) => x.kind),
    ["connected"],
    "not dropped as too large",
  );
});

void test("an AUTH_CHALLENGE frame: a new connection at once with fresh credentials, connected again; a second one backs off", async (t) => {
  const srv = await startWs();
  const dir = mkdtempSync(join(tmpdir(), "pps-reader-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "first");
  const s = stream(srv.url, new FakeClock(), { kind: "token", tokenFile });
  const got = collect();
  const sub = s.subscribe(topic, 0, got.onArrival, got.onStatus);
  t.after(async () => {
    await sub.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await eventually(() => srv.sockets.length === 1);
  writeFileSync(tokenFile, "renewed");
  const challenge = JSON.stringify({
    type: "AUTH_CHALLENGE",
    authChallenge: {
      challenge: { authMethodName: "token", authData: "PulsarAuthRefresh" },
      protocolVersion: 21,
    },
  });
  srv.sockets[0]?.send(challenge);
  await eventually(() => got.statuses.length === 2, 2000, "connected again");
  assert.deepEqual(
    got.statuses.map((x) => x.kind),
    ["connected", "connected"],
    "no disconnected, no backoff",
  );
  assert.deepEqual(
    srv.upgrades.map((u) => u.auth),
    ["Bearer first", "Bearer renewed"],
  );
  assert.equal(s.counters().badFrames, 0, "a challenge is not a bad frame");
  srv.sockets[1]?.send(challenge);
  await eventually(() => got.statuses.length === 3, 2000, "challenged again before a pong");
  const d = got.statuses[2];
  assert.ok(d?.kind === "disconnected" && d.error instanceof AuthenticationError, JSON.stringify(d));
});
