import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { AdminRequestOutcome } from "../../src/pulsar/admin-client.js";
import {
  AuthenticationError,
  AuthorizationError,
  BadPayloadError,
  NamespaceNotFoundError,
  NetworkError,
  RateLimitedError,
  ServerError,
  SubscriptionNotFoundError,
  TimeoutError,
  TooManyRedirectsError,
  TopicNotFoundError,
} from "../../src/pulsar/errors.js";
import { subscriptionOf } from "../../src/pulsar/subscription-of.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { signJwt, startSimulator, type FaultSpec, type RunningSimulator } from "../../src/sim/index.js";
import { rejection } from "./helpers.js";
import { access, makeCerts, mustAdmin } from "./sim-helpers.js";

const orders = parseTopicName("persistent://public/default/orders");
const events = parseTopicName("persistent://public/default/events");
const ORDERS = "/admin/v2/persistent/public/default/orders";
const EVENTS = "/admin/v2/persistent/public/default/events";

let sim: RunningSimulator;
let tmp = "";

before(async () => {
  sim = await startSimulator({ port: 0 });
  tmp = mkdtempSync(`${tmpdir()}/pulsar-against-sim-`);
  await mustAdmin(sim.adminUrl, "PUT", ORDERS);
  await mustAdmin(sim.adminUrl, "PUT", `${ORDERS}/subscription/workers`);
  await mustAdmin(sim.adminUrl, "PUT", `${EVENTS}/partitions`, { body: "3" });
  await mustAdmin(sim.adminUrl, "PUT", `${EVENTS}/subscription/workers`);
});

after(async () => {
  await sim.close();
  rmSync(tmp, { recursive: true, force: true });
});

void test("stats follow publishes and acks; partitioned topics are auto-detected", async (t) => {
  const a = access(sim);
  t.after(() => a.close());
  await sim.control.reset();
  const before = subscriptionOf(await a.stats.topicStats(orders), "workers").msgBacklog;
  await sim.control.publish({ topic: "persistent://public/default/orders", count: 7 });
  const after7 = await a.stats.topicStats(orders);
  assert.equal(after7.partitions, 0);
  assert.equal(subscriptionOf(after7, "workers").msgBacklog, before + 7);
  assert.equal(subscriptionOf(after7, "workers").msgBacklogNoDelayed, before + 7);
  await sim.control.ack("persistent://public/default/orders", "workers", 2);
  assert.equal(subscriptionOf(await a.stats.topicStats(orders, false), "workers").msgBacklog, before + 5);

  await sim.control.publish({ topic: "persistent://public/default/events", count: 6 });
  const ev = await a.stats.topicStats(events);
  assert.equal(ev.partitions, 3);
  assert.ok(subscriptionOf(ev, "workers").msgBacklog >= 6);
  assert.ok((await a.stats.subscriptions(events)).includes("workers"));
  assert.throws(() => subscriptionOf(ev, "nobody"), SubscriptionNotFoundError);
});

void test("every error class, through the simulator's faults", async (t) => {
  const outcomes: AdminRequestOutcome[] = [];
  const a = access(sim, { kind: "none" }, { requestTimeoutMs: 300 }, { onRequest: (o) => outcomes.push(o) });
  t.after(() => a.close());
  const cases: Array<[FaultSpec, abstract new (...args: never[]) => Error]> = [
    [
      {
        pathPattern: "default/orders/stats",
        status: 404,
        body: "Topic persistent://public/default/orders not found",
      },
      TopicNotFoundError,
    ],
    [
      { pathPattern: "default/orders/stats", status: 404, body: "Subscription workers not found" },
      SubscriptionNotFoundError,
    ],
    [
      { pathPattern: "default/orders/stats", status: 404, body: "Namespace not found" },
      NamespaceNotFoundError,
    ],
    [{ pathPattern: "default/orders/stats", kind: "html401" }, AuthenticationError],
    [
      {
        pathPattern: "default/orders/stats",
        status: 401,
        body: "Unauthorized to validateTopicOperation for operation [GET_STATS]",
      },
      AuthorizationError,
    ],
    [{ pathPattern: "default/orders/stats", status: 403 }, AuthorizationError],
    [{ pathPattern: "default/orders/stats", status: 429, retryAfterSeconds: 2 }, RateLimitedError],
    [{ pathPattern: "default/orders/stats", status: 500, kind: "text" }, ServerError],
    [{ pathPattern: "default/orders/stats", status: 503 }, ServerError],
    [{ pathPattern: "default/orders/stats", kind: "garbage" }, BadPayloadError],
    [{ pathPattern: "default/orders/stats", kind: "hang" }, TimeoutError],
    [{ pathPattern: "default/orders/stats", kind: "drop" }, NetworkError],
  ];
  for (const [fault, cls] of cases) {
    await sim.control.reset();
    await sim.control.faults({ count: 1, ...fault });
    const err = await rejection(a.stats.topicStats(orders, false));
    assert.ok(err instanceof cls, `${JSON.stringify(fault)}: got ${err.constructor.name}: ${err.message}`);
    if (err instanceof RateLimitedError) assert.equal(err.retryAfterMs, 2000);
  }
  await sim.control.reset();
  assert.ok(
    (await rejection(a.stats.topicStats(parseTopicName("public/default/nope"), false))) instanceof
      TopicNotFoundError,
  );
  assert.ok(
    (await rejection(a.stats.topicStats(parseTopicName("public/default/nope")))) instanceof
      TopicNotFoundError,
  );
  assert.ok(outcomes.every((o) => o.cluster === "sim" && o.durationMs >= 0));
  assert.ok(outcomes.some((o) => o.errorClass === "TimeoutError"));
});

void test("token auth: inline and file tokens pass, a wrong token is AuthenticationError", async (t) => {
  const secret = "sim-secret";
  const tsim = await startSimulator({ port: 0, auth: { mode: "token", secret } });
  const token = signJwt({ sub: "scaler" }, secret);
  const headers = { authorization: `Bearer ${token}` };
  await mustAdmin(tsim.adminUrl, "PUT", ORDERS, { headers });
  await mustAdmin(tsim.adminUrl, "PUT", `${ORDERS}/subscription/workers`, { headers });
  const file = `${tmp}/token`;
  writeFileSync(file, `${token}\n`);
  const inline = access(tsim, { kind: "token", token });
  const fromFile = access(tsim, { kind: "token", tokenFile: file });
  const wrong = access(tsim, { kind: "token", token: signJwt({ sub: "x" }, "other-secret") });
  t.after(async () => {
    await Promise.all([inline.close(), fromFile.close(), wrong.close()]);
    await tsim.close();
  });
  assert.ok(subscriptionOf(await inline.stats.topicStats(orders), "workers"));
  assert.ok(subscriptionOf(await fromFile.stats.topicStats(orders), "workers"));
  const err = await rejection(wrong.stats.topicStats(orders));
  assert.ok(err instanceof AuthenticationError, String(err));
  assert.ok(!err.message.includes(token));
});

void test("basic auth", async (t) => {
  const bsim = await startSimulator({ port: 0, auth: { mode: "basic", users: { alice: "pw" } } });
  const ok = access(bsim, { kind: "basic", username: "alice", password: "pw" });
  const bad = access(bsim, { kind: "basic", username: "alice", password: "nope" });
  t.after(async () => {
    await Promise.all([ok.close(), bad.close()]);
    await bsim.close();
  });
  assert.ok(
    (await rejection(ok.stats.topicStats(orders))) instanceof TopicNotFoundError,
    "authenticated, topic absent",
  );
  const err = await rejection(bad.stats.topicStats(orders));
  assert.ok(err instanceof AuthenticationError);
  assert.ok(!err.message.includes("nope"));
});

void test("oauth2 client credentials against the simulator's issuer", async (t) => {
  const osim = await startSimulator({
    port: 0,
    auth: {
      mode: "oauth2",
      secret: "s",
      clientId: "scaler",
      clientSecret: "very-secret",
      expiresInSeconds: 120,
    },
  });
  const creds = `${tmp}/oauth.json`;
  writeFileSync(
    creds,
    JSON.stringify({
      type: "client_credentials",
      client_id: "scaler",
      client_secret: "very-secret",
      issuer_url: osim.adminUrl,
    }),
  );
  const badCreds = `${tmp}/oauth-bad.json`;
  writeFileSync(
    badCreds,
    JSON.stringify({
      type: "client_credentials",
      client_id: "scaler",
      client_secret: "wrong",
      issuer_url: osim.adminUrl,
    }),
  );
  const ok = access(osim, { kind: "oauth2", credentialsFile: creds, audience: "pulsar" });
  const bad = access(osim, { kind: "oauth2", credentialsFile: badCreds });
  t.after(async () => {
    await Promise.all([ok.close(), bad.close()]);
    await osim.close();
  });
  assert.ok(
    (await rejection(ok.stats.topicStats(orders))) instanceof TopicNotFoundError,
    "authenticated, topic absent",
  );
  const err = await rejection(bad.stats.topicStats(orders));
  assert.ok(err instanceof AuthenticationError, String(err));
  assert.ok(!err.message.includes("wrong"));
});

void test("TLS with a required client certificate", async (t) => {
  const certs = makeCerts();
  const read = (n: string) => readFileSync(certs.file(n));
  const ssim = await startSimulator({
    port: 0,
    tls: { cert: read("server.pem"), key: read("server.key"), ca: read("ca.pem"), requireClientCert: true },
  });
  const withCert = access(
    ssim,
    { kind: "tls", certFile: certs.file("client.pem"), keyFile: certs.file("client.key") },
    { caFile: certs.file("ca.pem") },
  );
  const noCert = access(ssim, { kind: "none" }, { caFile: certs.file("ca.pem") });
  t.after(async () => {
    await Promise.all([withCert.close(), noCert.close()]);
    await ssim.close();
    rmSync(certs.dir, { recursive: true, force: true });
  });
  assert.ok(
    (await rejection(withCert.stats.topicStats(orders))) instanceof TopicNotFoundError,
    "TLS ok, topic absent",
  );
  assert.ok((await rejection(noCert.stats.topicStats(orders))) instanceof AuthenticationError);
});

void test("redirects: followed to another broker without credentials; a loop ends typed", async (t) => {
  const secret = "redirect-secret";
  const token = signJwt({ sub: "scaler" }, secret);
  const owner = await startSimulator({ port: 0 });
  const guarded = await startSimulator({ port: 0, auth: { mode: "token", secret } });
  await mustAdmin(owner.adminUrl, "PUT", ORDERS);
  await mustAdmin(owner.adminUrl, "PUT", `${ORDERS}/subscription/workers`);
  const a = access(sim, { kind: "token", token });
  t.after(async () => {
    await a.close();
    await sim.control.reset();
    await owner.close();
    await guarded.close();
  });
  await sim.control.reset();
  await sim.control.redirect({ topicPattern: "default/orders", to: owner.adminUrl, status: 307 });
  await owner.control.resetRequests();
  assert.ok(subscriptionOf(await a.stats.topicStats(orders, false), "workers"));
  assert.equal((await owner.control.requests()).total, 1);

  await sim.control.reset();
  await sim.control.redirect({ topicPattern: "default/orders", to: guarded.adminUrl, status: 307 });
  const err = await rejection(a.stats.topicStats(orders, false));
  assert.ok(err instanceof AuthenticationError, "the token was not sent to the other host");

  await sim.control.reset();
  await sim.control.redirect({ topicPattern: "default/orders", to: sim.adminUrl, status: 307 });
  await sim.control.resetRequests();
  assert.ok((await rejection(a.stats.topicStats(orders, false))) instanceof TooManyRedirectsError);
  assert.equal((await sim.control.requests()).total, 6);
});
