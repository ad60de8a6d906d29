import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { test } from "node:test";
import { signJwt, startSimulator } from "../../src/sim/index.js";
import { makeCerts } from "../support/certs.js";
import { FakeClock } from "../support/fake-clock.js";
import { fixture, request, upgradeAnswer, upgradeStatus, WsClient } from "./helpers.js";

const errors = fixture<Record<string, unknown>>("error-bodies.json");
const STATS = "/admin/v2/persistent/public/default/orders/stats";
const SECRET = "test-secret-0123456789";

async function withTopic(adminUrl: string, headers: Record<string, string>): Promise<void> {
  const res = await request(`${adminUrl}/admin/v2/persistent/public/default/orders`, {
    method: "PUT",
    headers,
  });
  assert.equal(res.status, 204, res.text);
}

test("token auth: the filter's HTML 401 without, with a bad or an expired token; 200 with a good one", async () => {
  const clock = new FakeClock(Date.now());
  const sim = await startSimulator({ auth: { mode: "token", secret: SECRET }, clock });
  try {
    const good = signJwt({ sub: "admin" }, SECRET);
    await withTopic(sim.adminUrl, { Authorization: `Bearer ${good}` });
    const none = await request(sim.adminUrl + STATS);
    assert.equal(none.status, 401);
    assert.match(none.contentType, /text\/html/);
    assert.equal(none.text, errors["401_authentication_filter_text_html"]);
    const bad = await request(sim.adminUrl + STATS, {
      headers: { Authorization: `Bearer ${signJwt({ sub: "x" }, "other")}` },
    });
    assert.equal(bad.status, 401);
    const exp = Math.floor(clock.now() / 1000) + 60;
    const expiring = signJwt({ sub: "admin", exp }, SECRET);
    assert.equal(
      (await request(sim.adminUrl + STATS, { headers: { Authorization: `Bearer ${expiring}` } })).status,
      200,
    );
    clock.advance(61_000);
    assert.equal(
      (await request(sim.adminUrl + STATS, { headers: { Authorization: `Bearer ${expiring}` } })).status,
      401,
    );
    const ws = `${sim.wsUrl}/ws/v2/reader/persistent/public/default/orders`;
    assert.equal(await upgradeStatus(ws), 401);
    assert.equal(await upgradeStatus(`${ws}?token=${good}`), 101);
    assert.equal(await upgradeStatus(ws, { headers: { Authorization: `Bearer ${good}` } }), 101);
    assert.equal((await sim.control.requests()).total > 0, true, "control is never behind auth");
  } finally {
    await sim.close();
  }
});

test("the filter's 401 is Jetty's error JSON when the request accepts application/json, HTML otherwise", async () => {
  const sim = await startSimulator({ auth: { mode: "token", secret: SECRET } });
  try {
    const json = await request(sim.adminUrl + STATS, { headers: { Accept: "application/json" } });
    assert.equal(json.status, 401);
    assert.match(json.contentType, /^application\/json/);
    assert.equal(json.text, errors["401_authentication_filter_application_json"]);
    assert.deepEqual(Object.keys(json.json()), ["servlet", "message", "url", "status"]);
    const html = await request(sim.adminUrl + STATS, { headers: { Accept: "text/html, application/json" } });
    assert.equal(html.text, errors["401_authentication_filter_text_html"]);
    const ws = `${sim.wsUrl}/ws/v2/reader/persistent/public/default/orders`;
    const up = await upgradeAnswer(ws, { headers: { Accept: "application/json" } });
    assert.equal(up.status, 401);
    const doc = JSON.parse(up.body) as Record<string, string>;
    assert.equal(doc["status"], "401");
    assert.equal(doc["url"], "/ws/v2/reader/persistent/public/default/orders");
    assert.match(doc["servlet"] ?? "", /^org\.apache\.pulsar\.websocket\.WebSocketReaderServlet-/);
    assert.match((await upgradeAnswer(ws)).body, /<title>Error 401 Authentication required<\/title>/);
  } finally {
    await sim.close();
  }
});

test("a WebSocket session whose token expires is challenged; fresh credentials keep it, none close it", async () => {
  const clock = new FakeClock(Date.now());
  const sim = await startSimulator({ auth: { mode: "token", secret: SECRET }, clock });
  try {
    const exp = Math.floor(clock.now() / 1000) + 60;
    const token = signJwt({ sub: "r", exp }, SECRET);
    const ws = `${sim.wsUrl}/ws/v2/consumer/persistent/public/default/orders/s?subscriptionType=Shared&token=${token}`;
    const silent = await WsClient.connect(ws);
    const answering = await WsClient.connect(ws);
    clock.advance(60_000);
    for (const c of [silent, answering]) {
      const f = await c.next("challenge");
      assert.equal(f["type"], "AUTH_CHALLENGE");
      assert.deepEqual(f["authChallenge"], {
        challenge: { authMethodName: "token", authData: "PulsarAuthRefresh" },
        protocolVersion: 21,
      });
    }
    answering.send({
      type: "AUTH_RESPONSE",
      authResponse: {
        clientVersion: "test",
        response: { authMethodName: "token", authData: signJwt({ sub: "r", exp: exp + 3600 }, SECRET) },
        protocolVersion: 21,
      },
    });
    // Frames are handled in order: the answer to this one means the AUTH_RESPONSE was taken.
    answering.send({ type: "isEndOfTopic" });
    assert.deepEqual(await answering.next("end of topic"), { endOfTopic: false });
    clock.advance(10_000);
    assert.deepEqual(await silent.closed, { code: 1008, reason: "Authentication expired" });
    answering.send({ type: "isEndOfTopic" });
    assert.deepEqual(await answering.next("renewed: still served"), { endOfTopic: false });
    answering.close();
  } finally {
    await sim.close();
  }
});

test("basic auth accepts configured users only", async () => {
  const sim = await startSimulator({ auth: { mode: "basic", users: { alice: "pw" } } });
  try {
    const basic = (u: string, p: string) => ({
      Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`,
    });
    await withTopic(sim.adminUrl, basic("alice", "pw"));
    assert.equal((await request(sim.adminUrl + STATS, { headers: basic("alice", "pw") })).status, 200);
    assert.equal((await request(sim.adminUrl + STATS, { headers: basic("alice", "nope") })).status, 401);
    assert.equal((await request(sim.adminUrl + STATS, { headers: basic("bob", "pw") })).status, 401);
  } finally {
    await sim.close();
  }
});

test("oauth2: discovery, client_credentials token, then admin accepts the token", async () => {
  const sim = await startSimulator({
    auth: { mode: "oauth2", secret: SECRET, clientId: "scaler", clientSecret: "s3cret" },
  });
  try {
    const disc = (await request(`${sim.adminUrl}/.well-known/openid-configuration`)).json<{
      issuer: string;
      token_endpoint: string;
    }>();
    assert.equal(disc.issuer, sim.adminUrl);
    assert.equal(disc.token_endpoint, `${sim.adminUrl}/oauth/token`);
    const form = (secret: string) =>
      request(disc.token_endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: "scaler",
          client_secret: secret,
        }).toString(),
      });
    assert.equal((await form("wrong")).status, 401);
    const tok = (await form("s3cret")).json<{
      access_token: string;
      token_type: string;
      expires_in: number;
    }>();
    assert.equal(tok.token_type, "Bearer");
    assert.equal(tok.expires_in, 3600);
    await withTopic(sim.adminUrl, { Authorization: `Bearer ${tok.access_token}` });
    assert.equal(
      (await request(sim.adminUrl + STATS, { headers: { Authorization: `Bearer ${tok.access_token}` } }))
        .status,
      200,
    );
    assert.equal((await request(sim.adminUrl + STATS)).status, 401);
  } finally {
    await sim.close();
  }
});

test("authorization allow-list: other roles get 401 with the broker's reason (403 on WebSocket)", async () => {
  const sim = await startSimulator({
    auth: { mode: "token", secret: SECRET },
    authorization: [{ topicPattern: "orders", roles: ["alice"] }],
  });
  try {
    const alice = { Authorization: `Bearer ${signJwt({ sub: "alice" }, SECRET)}` };
    const bob = { Authorization: `Bearer ${signJwt({ sub: "bob" }, SECRET)}` };
    await withTopic(sim.adminUrl, alice);
    assert.equal((await request(sim.adminUrl + STATS, { headers: alice })).status, 200);
    const denied = await request(sim.adminUrl + STATS, { headers: bob });
    assert.equal(denied.status, 401);
    assert.deepEqual(denied.json(), errors["401_authorization_denied"]);
    const ws = `${sim.wsUrl}/ws/v2/reader/persistent/public/default/orders`;
    assert.equal(await upgradeStatus(ws, { headers: bob }), 403);
    assert.equal(await upgradeStatus(ws, { headers: alice }), 101);
  } finally {
    await sim.close();
  }
});

test("TLS: https/wss, and a client certificate signed by the CA is required", async () => {
  const certs = makeCerts("scaler");
  const dir = certs.dir;
  try {
    const read = (f: string) => readFileSync(join(dir, f));
    const sim = await startSimulator({
      tls: { cert: read("server.pem"), key: read("server.key"), ca: read("ca.pem"), requireClientCert: true },
    });
    try {
      assert.match(sim.adminUrl, /^https:/);
      assert.match(sim.wsUrl, /^wss:/);
      const get = (path: string, withCert: boolean) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = https.request(
            sim.adminUrl + path,
            {
              method: path.endsWith("/orders") ? "PUT" : "GET",
              ca: read("ca.pem"),
              ...(withCert ? { cert: read("client.pem"), key: read("client.key") } : {}),
            },
            (res) => {
              let body = "";
              res.on("data", (c: Buffer) => (body += c.toString()));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on("error", reject);
          req.end();
        });
      assert.equal((await get("/admin/v2/persistent/public/default/orders", true)).status, 204);
      assert.equal((await get(STATS, true)).status, 200);
      const anonymous = await get(STATS, false);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.body, /Authentication required/);
      const wss = `${sim.wsUrl}/ws/v2/reader/persistent/public/default/orders`;
      const tlsOpts = { ca: read("ca.pem") };
      const c = await WsClient.connect(wss, {
        ...tlsOpts,
        cert: read("client.pem"),
        key: read("client.key"),
      });
      c.close();
      assert.equal(await upgradeStatus(wss, tlsOpts), 401);
      assert.equal(
        (await sim.control.requests()).total,
        3,
        "the control API works over TLS without a client cert",
      );
    } finally {
      await sim.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
