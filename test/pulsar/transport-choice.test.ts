import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../src/lib/errors.js";
import type { ClusterConfig } from "../../src/pulsar/cluster.js";
import {
  chooseTransport,
  describeTransport,
  type WebSocketAnswer,
} from "../../src/pulsar/transport-choice.js";

const SERVICE = "pulsar://pulsar:6650";
const WS = "ws://pulsar:8080";

function cluster(arrivals: ClusterConfig["arrivals"], serviceUrl?: string) {
  return { name: "prod", arrivals, wsUrl: WS, ...(serviceUrl !== undefined && { serviceUrl }) };
}

const ANSWERS: ReadonlyArray<WebSocketAnswer | undefined> = [
  undefined,
  { kind: "answered" },
  { kind: "unavailable" },
  { kind: "failed", error: "401 Unauthorized" },
];

void test("auto with a service URL is binary, whatever the WebSocket service says", () => {
  for (const ws of ANSWERS) {
    const c = chooseTransport(cluster("auto", SERVICE), ws);
    assert.deepEqual(c, {
      source: "binary",
      transport: "binary",
      url: SERVICE,
      why: "serviceUrl configured",
    });
  }
  assert.equal(
    describeTransport(chooseTransport(cluster("auto", SERVICE))),
    "binary (pulsar://pulsar:6650, serviceUrl configured)",
  );
});

void test("auto without a service URL: WebSocket when the service answers, else polling", () => {
  const answered = chooseTransport(cluster("auto"), { kind: "answered" });
  assert.deepEqual(answered, {
    source: "websocket",
    transport: "websocket",
    url: WS,
    why: "no serviceUrl; service answered",
  });
  assert.equal(describeTransport(answered), "websocket (ws://pulsar:8080, no serviceUrl; service answered)");
  const off = chooseTransport(cluster("auto"), { kind: "unavailable" });
  // The source stays the WebSocket reader: it retries slowly and arrivals come back by themselves.
  assert.deepEqual(off, {
    source: "websocket",
    transport: "polling",
    why: "no serviceUrl; the WebSocket service at ws://pulsar:8080 is off",
  });
  assert.equal(
    describeTransport(off),
    "polling only (no serviceUrl; the WebSocket service at ws://pulsar:8080 is off)",
  );
  // Not asked yet (what a watcher starts with): the reader, polling alone while the service is off.
  const unknown = chooseTransport(cluster("auto"));
  assert.equal(unknown.source, "websocket");
  assert.equal(unknown.transport, "websocket");
  assert.equal(unknown.why, "no serviceUrl; polling alone while the WebSocket service is off");
  const failed = chooseTransport(cluster("auto"), { kind: "failed", error: "401 Unauthorized" });
  assert.equal(failed.transport, "websocket");
  assert.equal(failed.why, "no serviceUrl; the WebSocket service failed: 401 Unauthorized");
});

void test("binary is binary; without a service URL it is a config error", () => {
  for (const ws of ANSWERS) {
    const c = chooseTransport(cluster("binary", SERVICE), ws);
    assert.deepEqual(c, { source: "binary", transport: "binary", url: SERVICE, why: "arrivals=binary" });
  }
  assert.throws(() => chooseTransport(cluster("binary")), ConfigError);
});

void test("websocket is the reader even with a service URL; polling while the service is off", () => {
  const c = chooseTransport(cluster("websocket", SERVICE), { kind: "answered" });
  assert.deepEqual(c, {
    source: "websocket",
    transport: "websocket",
    url: WS,
    why: "arrivals=websocket; service answered",
  });
  const off = chooseTransport(cluster("websocket", SERVICE), { kind: "unavailable" });
  assert.equal(off.source, "websocket");
  assert.equal(off.transport, "polling");
});

void test("off polls only, with or without a service URL", () => {
  for (const serviceUrl of [undefined, SERVICE]) {
    for (const ws of ANSWERS) {
      const c = chooseTransport(cluster("off", serviceUrl), ws);
      assert.deepEqual(c, { source: "polling", transport: "polling", why: "arrivals=off" });
      assert.equal(describeTransport(c), "polling only (arrivals=off)");
    }
  }
});
