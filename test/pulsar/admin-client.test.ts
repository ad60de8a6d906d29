import { test } from "node:test";
import assert from "node:assert/strict";
import type http from "node:http";
import net from "node:net";
import { systemClock } from "../../src/lib/clock.js";
import { AdminClient, type AdminRequestOutcome } from "../../src/pulsar/admin-client.js";
import { createAuthProvider, type AuthProvider } from "../../src/pulsar/auth/index.js";
import type { ClusterConfig } from "../../src/pulsar/cluster.js";
import {
  AuthenticationError,
  BadPayloadError,
  NetworkError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  TooManyRedirectsError,
  TopicNotFoundError,
} from "../../src/pulsar/errors.js";
import { subscriptionOf } from "../../src/pulsar/subscription-of.js";
import { parseTopicName, topicToString } from "../../src/pulsar/topic-name.js";
import { subscriptionUrl } from "../../src/demo/traffic.js";
import { FakeClock } from "../support/fake-clock.js";
import { cluster, fixture, rejection, sendJson, startHttp } from "./helpers.js";

const orders = parseTopicName("persistent://public/default/orders");
const events = parseTopicName("non-persistent://public/default/events");
const STATS = fixture("topic-stats-non-partitioned.json");
const PSTATS = fixture("partitioned-stats-3-partitions.json");

function client(c: ClusterConfig, extra: Partial<ConstructorParameters<typeof AdminClient>[1]> = {}) {
  return new AdminClient(c, {
    clock: systemClock,
    auth: createAuthProvider(c.auth, { clock: systemClock, timeoutMs: 2000 }),
    ...extra,
  });
}

void test("reads stats, partitioned-stats, partitions and subscriptions on the right paths", async (t) => {
  const seen: string[] = [];
  const srv = await startHttp((req, res) => {
    seen.push(req.url ?? "");
    if (req.url?.endsWith("/orders/partitions")) return sendJson(res, 200, { partitions: 0 });
    if (req.url?.endsWith("/events/partitions")) return sendJson(res, 200, { partitions: 3 });
    if (req.url?.includes("/orders/stats?subscriptionBacklogSize=true")) return sendJson(res, 200, STATS);
    if (req.url?.endsWith("/events/partitioned-stats?perPartition=true&subscriptionBacklogSize=true")) {
      return sendJson(res, 200, PSTATS);
    }
    if (req.url?.endsWith("/subscriptions")) return sendJson(res, 200, ["workers", "audit"]);
    sendJson(res, 404, { reason: "Topic not found" });
  });
  const outcomes: AdminRequestOutcome[] = [];
  const c = client(cluster(srv.url), { onRequest: (o) => outcomes.push(o) });
  t.after(async () => {
    c.close();
    await srv.close();
  });
  assert.equal((await c.topicStats(orders, false)).subscriptions.get("workers")?.msgBacklog, 4533);
  assert.equal((await c.topicStats(events, true)).partitions, 3);
  const auto = await c.topicStats(events);
  assert.equal(auto.partitions, 3);
  assert.equal((await c.topicStats(orders)).partitions, 0);
  assert.deepEqual(await c.subscriptions(orders), ["workers", "audit"]);
  // The backlog age's costly field only when asked for (src/watch/backlog-age.ts).
  await c.topicStats(orders, false, { earliestTimeInBacklog: true });
  assert.deepEqual(seen, [
    "/admin/v2/persistent/public/default/orders/stats?subscriptionBacklogSize=true",
    "/admin/v2/non-persistent/public/default/events/partitioned-stats?perPartition=true&subscriptionBacklogSize=true",
    "/admin/v2/non-persistent/public/default/events/partitions",
    "/admin/v2/non-persistent/public/default/events/partitioned-stats?perPartition=true&subscriptionBacklogSize=true",
    "/admin/v2/persistent/public/default/orders/partitions",
    "/admin/v2/persistent/public/default/orders/stats?subscriptionBacklogSize=true",
    "/admin/v2/persistent/public/default/orders/subscriptions",
    "/admin/v2/persistent/public/default/orders/stats?subscriptionBacklogSize=true&getEarliestTimeInBacklog=true",
  ]);
  assert.deepEqual(
    outcomes.map((o) => [o.cluster, o.pathKind, o.errorClass]),
    [
      ["test", "stats", undefined],
      ["test", "partitioned-stats", undefined],
      ["test", "partitions", undefined],
      ["test", "partitioned-stats", undefined],
      ["test", "partitions", undefined],
      ["test", "stats", undefined],
      ["test", "subscriptions", undefined],
      ["test", "stats", undefined],
    ],
  );
});

void test("partition metadata is cached for its TTL (fake clock)", async (t) => {
  let metaCalls = 0;
  const srv = await startHttp((req, res) => {
    if (req.url?.endsWith("/partitions")) {
      metaCalls++;
      return sendJson(res, 200, { partitions: 0 });
    }
    sendJson(res, 200, STATS);
  });
  const clock = new FakeClock();
  const c = client(cluster(srv.url), { clock, partitionCacheTtlMs: 30_000 });
  t.after(async () => {
    c.close();
    await srv.close();
  });
  await c.topicStats(orders);
  await c.topicStats(orders);
  assert.equal(metaCalls, 1);
  clock.advance(30_001);
  await c.topicStats(orders);
  assert.equal(metaCalls, 2);
});

void test("error statuses become typed errors and are reported by class", async (t) => {
  const srv = await startHttp((req, res) => {
    if (req.url?.includes("/missing/")) return sendJson(res, 404, fixture("error-404-topic-not-found.json"));
    if (req.url?.includes("/limited/"))
      return sendJson(res, 429, { reason: "Too many requests" }, { "retry-after": "3" });
    if (req.url?.includes("/broken/")) {
      res.writeHead(500, { "content-type": "text/plain" });
      return res.end("\n --- An unexpected error occurred in the server ---\n");
    }
    if (req.url?.includes("/garbage/")) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end("{not json");
    }
    sendJson(res, 200, STATS);
  });
  const outcomes: AdminRequestOutcome[] = [];
  const c = client(cluster(srv.url), { onRequest: (o) => outcomes.push(o) });
  t.after(async () => {
    c.close();
    await srv.close();
  });
  const name = (local: string) => parseTopicName(`persistent://public/${local}/x`);
  assert.ok((await rejection(c.topicStats(name("missing"), false))) instanceof TopicNotFoundError);
  const limited = await rejection(c.topicStats(name("limited"), false));
  assert.ok(limited instanceof RateLimitedError && limited.retryAfterMs === 3000);
  const broken = await rejection(c.topicStats(name("broken"), false));
  assert.ok(broken instanceof ServerError && broken.status === 500);
  assert.ok((await rejection(c.topicStats(name("garbage"), false))) instanceof BadPayloadError);
  assert.deepEqual(
    outcomes.map((o) => o.errorClass),
    ["TopicNotFoundError", "RateLimitedError", "ServerError", "BadPayloadError"],
  );
});

void test("timeout covers a hung answer and a slow body", async (t) => {
  const srv = await startHttp((req, res) => {
    if (req.url?.includes("/slowbody/")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"msgRateIn": 1,');
      return; // never ends
    }
    // hang: never answer
  });
  const c = client(cluster(srv.url, { requestTimeoutMs: 150 }));
  t.after(async () => {
    c.close();
    await srv.close();
  });
  for (const ns of ["hang", "slowbody"]) {
    const err = await rejection(c.topicStats(parseTopicName(`persistent://public/${ns}/x`), false));
    assert.ok(err instanceof TimeoutError, `${ns}: ${String(err)}`);
    assert.match(err.message, /150 ms/);
  }
});

void test("a body over the size bound is a BadPayloadError", async (t) => {
  const srv = await startHttp((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(Buffer.alloc(4096, 32));
  });
  const c = client(cluster(srv.url), { maxBodyBytes: 1024 });
  t.after(async () => {
    c.close();
    await srv.close();
  });
  assert.ok((await rejection(c.topicStats(orders, false))) instanceof BadPayloadError);
});

void test("refused and reset connections are NetworkErrors; the URL has no secrets", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const c = client(
    cluster(`http://user:hunter2@127.0.0.1:${port}`, { auth: { kind: "token", token: "sekrit-jwt" } }),
  );
  const err = await rejection(c.topicStats(orders, false));
  assert.ok(err instanceof NetworkError, String(err));
  assert.ok(!err.message.includes("hunter2") && !err.message.includes("sekrit-jwt"), err.message);
  c.close();

  const resetter = net.createServer((sock) => sock.destroy());
  await new Promise<void>((r) => resetter.listen(0, "127.0.0.1", r));
  const c2 = client(cluster(`http://127.0.0.1:${(resetter.address() as net.AddressInfo).port}`));
  assert.ok((await rejection(c2.topicStats(orders, false))) instanceof NetworkError);
  c2.close();
  await new Promise<void>((r) => resetter.close(() => r()));
});

void test("redirects: same host:port keeps Authorization, another port drops it, loops end typed", async (t) => {
  const seen: Array<{ port: number; url: string; auth: string | undefined }> = [];
  const record = (port: () => number) => (req: http.IncomingMessage) =>
    seen.push({ port: port(), url: req.url ?? "", auth: req.headers.authorization });
  const other = await startHttp((req, res) => {
    record(() => other.port)(req);
    sendJson(res, 200, STATS);
  });
  const main = await startHttp((req, res) => {
    record(() => main.port)(req);
    if (req.url?.includes("/same/")) {
      res.writeHead(307, { location: req.url.replace("/same/", "/owner/") });
      return res.end();
    }
    if (req.url?.includes("/away/")) {
      res.writeHead(307, { location: `${other.url}${req.url}` });
      return res.end();
    }
    if (req.url?.includes("/loop/")) {
      res.writeHead(308, { location: req.url });
      return res.end();
    }
    sendJson(res, 200, STATS);
  });
  const c = client(cluster(main.url, { auth: { kind: "token", token: "jwt-1" } }));
  t.after(async () => {
    c.close();
    await main.close();
    await other.close();
  });
  await c.topicStats(parseTopicName("persistent://public/same/x"), false);
  assert.deepEqual(
    seen.map((s) => [s.port, s.auth]),
    [
      [main.port, "Bearer jwt-1"],
      [main.port, "Bearer jwt-1"],
    ],
  );
  seen.length = 0;
  await c.topicStats(parseTopicName("persistent://public/away/x"), false);
  assert.deepEqual(
    seen.map((s) => [s.port, s.auth]),
    [
      [main.port, "Bearer jwt-1"],
      [other.port, undefined],
    ],
  );
  seen.length = 0;
  const loop = await rejection(c.topicStats(parseTopicName("persistent://public/loop/x"), false));
  assert.ok(loop instanceof TooManyRedirectsError && loop instanceof ServerError, String(loop));
  assert.equal(seen.length, 6);
});

void test("a rotated token file is picked up by the next request", async (t) => {
  const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const dir = await mkdtemp(`${tmpdir()}/pulsar-token-`);
  const file = `${dir}/token`;
  await writeFile(file, "old-token\n");
  const auths: Array<string | undefined> = [];
  const srv = await startHttp((req, res) => {
    auths.push(req.headers.authorization);
    sendJson(res, 200, STATS);
  });
  const c = client(cluster(srv.url, { auth: { kind: "token", tokenFile: file } }));
  t.after(async () => {
    c.close();
    await srv.close();
    await rm(dir, { recursive: true });
  });
  await c.topicStats(orders, false);
  await c.topicStats(orders, false);
  await writeFile(file, "new-token-longer\n");
  await c.topicStats(orders, false);
  assert.deepEqual(auths, ["Bearer old-token", "Bearer old-token", "Bearer new-token-longer"]);
  await rm(file);
  const err = await rejection(c.topicStats(orders, false));
  assert.ok(err instanceof AuthenticationError, String(err));
  assert.ok(!err.message.includes("new-token"));
});

void test("a 401 invalidates the provider and retries once, then gives up typed", async (t) => {
  let accepted = "v1";
  let issued = "v1";
  let invalidations = 0;
  const auth: AuthProvider = {
    kind: "token",
    headers: () => Promise.resolve({ authorization: `Bearer ${issued}` }),
    invalidate: () => {
      invalidations++;
      issued = accepted;
    },
  };
  const auths: Array<string | undefined> = [];
  const srv = await startHttp((req, res) => {
    auths.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${accepted}`) {
      res.writeHead(401, { "content-type": "text/html" });
      return res.end("<html><body>HTTP ERROR 401 Authentication required</body></html>");
    }
    sendJson(res, 200, STATS);
  });
  const c = new AdminClient(cluster(srv.url), { clock: systemClock, auth });
  t.after(async () => {
    c.close();
    await srv.close();
  });
  await c.topicStats(orders, false);
  accepted = "v2";
  await c.topicStats(orders, false);
  assert.deepEqual(auths, ["Bearer v1", "Bearer v1", "Bearer v2"]);
  assert.equal(invalidations, 1);
  issued = "wrong";
  accepted = "never";
  auth.invalidate = () => invalidations++;
  const err = await rejection(c.topicStats(orders, false));
  assert.ok(err instanceof AuthenticationError);
  assert.equal(auths.length, 5);
  assert.equal(invalidations, 2);
});

void test("broker paths stay within the topic: parts are encoded, the subscription never enters a path", async (t) => {
  // A subscription with every character a path could be steered by.
  const sub = "a/../../b?c=1#d%2e%2e";
  const stats = JSON.parse(STATS) as { subscriptions: Record<string, unknown> };
  stats.subscriptions[sub] = stats.subscriptions["workers"];
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  const srv = await startHttp((req, res) => {
    seen.push({ url: req.url ?? "", auth: req.headers.authorization });
    sendJson(res, 200, stats);
  });
  const c = client(cluster(srv.url, { auth: { kind: "token", token: "hub-jwt" } }));
  t.after(async () => {
    c.close();
    await srv.close();
  });
  const odd = parseTopicName("persistent://te%2e%2e/ns:1/or=ders%2F..");
  const snap = await c.topicStats(orders, false);
  assert.equal(subscriptionOf(snap, sub).msgBacklog, 4533, "found in the topic's own stats");
  await c.topicStats(odd, false);
  assert.deepEqual(seen, [
    {
      url: "/admin/v2/persistent/public/default/orders/stats?subscriptionBacklogSize=true",
      auth: "Bearer hub-jwt",
    },
    {
      url: "/admin/v2/persistent/te%252e%252e/ns%3A1/or%3Dders%252F../stats?subscriptionBacklogSize=true",
      auth: "Bearer hub-jwt",
    },
  ]);
  // Where a subscription is part of a broker URL (the demo's subscription setup), it is one encoded segment.
  const url = new URL(
    subscriptionUrl({ adminUrl: "http://broker:8080", topic: topicToString(orders), subscription: sub }),
  );
  assert.equal(
    url.pathname,
    "/admin/v2/persistent/public/default/orders/subscription/a%2F..%2F..%2Fb%3Fc%3D1%23d%252e%252e",
  );
  assert.equal(url.hash, "");
  assert.equal(url.search, "");
});
