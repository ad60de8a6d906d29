import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { WebSocketServer } from "ws";
import { systemClock } from "../../src/lib/clock.js";
import { ConfigError } from "../../src/lib/errors.js";
import { NetworkError } from "../../src/pulsar/errors.js";
import { createPulsarAccess } from "../../src/pulsar/index.js";
import type { ArrivalStatus } from "../../src/pulsar/ports.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { eventually } from "../support/latch.js";
import { cluster, fixture, makeCerts, rejection, sendJson, startHttp } from "./helpers.js";

const topic = parseTopicName("persistent://public/default/orders");
let certs: ReturnType<typeof makeCerts>;
const f = (name: string) => certs.file(name);

before(() => {
  certs = makeCerts();
});

after(() => rmSync(certs.dir, { recursive: true, force: true }));

function tlsServer(requireClientCert: boolean): https.Server {
  return https.createServer({
    key: readFileSync(f("server.key")),
    cert: readFileSync(f("server.pem")),
    ca: readFileSync(f("ca.pem")),
    requestCert: true,
    rejectUnauthorized: requireClientCert,
  });
}

function peerName(req: { socket: unknown }): string | undefined {
  const cert = (req.socket as TLSSocket).getPeerCertificate();
  return cert.subject?.CN;
}

void test("https with client certificate and CA file: stats, redirect to another origin without the certificate, wss reader", async (t) => {
  const peers: Array<[string, string | undefined]> = [];
  const other = await startHttp((req, res) => {
    peers.push(["other", peerName(req)]);
    sendJson(res, 200, fixture("topic-stats-real-4.1.json"));
  }, tlsServer(false));
  const main = await startHttp((req, res) => {
    peers.push(["main", peerName(req)]);
    if (req.url?.includes("/away/")) {
      res.writeHead(307, { location: `${other.url}${req.url}` });
      return res.end();
    }
    sendJson(res, 200, fixture("topic-stats-real-4.1.json"));
  }, tlsServer(true));
  const wss = new WebSocketServer({ server: main.server });
  wss.on("connection", (ws, req) => {
    peers.push(["ws", peerName(req)]);
    ws.send(
      JSON.stringify({
        messageId: "CAMQADAA",
        payload: "",
        properties: {},
        publishTime: "2025-10-25T09:03:39.961Z",
      }),
    );
  });
  const access = createPulsarAccess(
    cluster(main.url, {
      wsUrl: main.url.replace("https", "wss"),
      caFile: f("ca.pem"),
      auth: { kind: "tls", certFile: f("client.pem"), keyFile: f("client.key") },
    }),
    { clock: systemClock },
  );
  t.after(async () => {
    await access.close();
    wss.close();
    await main.close();
    await other.close();
  });
  const snap = await access.stats.topicStats(topic, false);
  assert.equal(snap.msgInCounter, 10);
  await access.stats.topicStats(parseTopicName("persistent://public/away/x"), false);
  const statuses: ArrivalStatus[] = [];
  let arrivals = 0;
  const sub = access.arrivals.subscribe(
    topic,
    0,
    () => arrivals++,
    (s) => statuses.push(s),
  );
  await eventually(() => arrivals === 1, 3000, "arrival over wss");
  await sub.close();
  assert.deepEqual(peers, [
    ["main", "scaler-role"],
    ["main", "scaler-role"],
    ["other", undefined],
    ["ws", "scaler-role"],
  ]);
  assert.equal(statuses[0]?.kind, "connected");
});

void test("TLS failures are NetworkErrors: no client certificate, unknown CA", async (t) => {
  const srv = await startHttp((_req, res) => sendJson(res, 200, {}), tlsServer(true));
  const noCert = createPulsarAccess(cluster(srv.url, { caFile: f("ca.pem") }), { clock: systemClock });
  const noCa = createPulsarAccess(
    cluster(srv.url, { auth: { kind: "tls", certFile: f("client.pem"), keyFile: f("client.key") } }),
    { clock: systemClock },
  );
  t.after(async () => {
    await noCert.close();
    await noCa.close();
    await srv.close();
  });
  for (const access of [noCert, noCa]) {
    const err = await rejection(access.stats.topicStats(topic, false));
    assert.ok(err instanceof NetworkError, String(err));
  }
});

void test("an unreadable CA file fails fast with ConfigError", () => {
  assert.throws(
    () =>
      createPulsarAccess(cluster("https://127.0.0.1:1", { caFile: f("missing.pem") }), {
        clock: systemClock,
      }),
    ConfigError,
  );
});
