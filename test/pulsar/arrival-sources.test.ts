import assert from "node:assert/strict";
import { test } from "node:test";
import { systemClock } from "../../src/lib/clock.js";
import { ConfigError } from "../../src/lib/errors.js";
import {
  ArrivalStream,
  ArrivalsUnavailableError,
  BinaryArrivalSource,
  createPulsarAccess,
} from "../../src/pulsar/index.js";
import { NoArrivals } from "../../src/pulsar/no-arrivals.js";
import type { ArrivalStatus } from "../../src/pulsar/ports.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { startSimulator } from "../../src/sim/index.js";
import { Latch } from "../support/latch.js";
import { cluster } from "./helpers.js";
import { access, mustAdmin } from "./sim-helpers.js";

const orders = parseTopicName("persistent://public/default/orders");

void test("createPulsarAccess builds the ArrivalSource chooseTransport names", (t) => {
  const ws = createPulsarAccess(cluster("http://127.0.0.1:1"), { clock: systemClock });
  const off = createPulsarAccess(cluster("http://127.0.0.1:1", { arrivals: "off" }), { clock: systemClock });
  const forced = createPulsarAccess(
    cluster("http://127.0.0.1:1", { arrivals: "websocket", serviceUrl: "pulsar://127.0.0.1:6650" }),
    { clock: systemClock },
  );
  const binary = createPulsarAccess(
    cluster("http://127.0.0.1:1", { serviceUrl: "pulsar://127.0.0.1:6650" }),
    {
      clock: systemClock,
    },
  );
  t.after(() => Promise.all([ws.close(), off.close(), forced.close(), binary.close()]));
  assert.ok(binary.arrivals instanceof BinaryArrivalSource);
  assert.deepEqual(binary.transport, {
    source: "binary",
    transport: "binary",
    url: "pulsar://127.0.0.1:6650",
    why: "serviceUrl configured",
  });
  assert.ok(ws.arrivals instanceof ArrivalStream);
  assert.equal(ws.transport.why, "no serviceUrl; polling alone while the WebSocket service is off");
  assert.ok(off.arrivals instanceof NoArrivals);
  assert.equal(off.transport.source, "polling");
  assert.ok(forced.arrivals instanceof ArrivalStream);
  assert.equal(forced.transport.why, "arrivals=websocket; polling alone while the WebSocket service is off");
});

void test("arrivals binary without a service URL is refused before anything is opened", () => {
  assert.throws(
    () => createPulsarAccess(cluster("http://127.0.0.1:1", { arrivals: "binary" }), { clock: systemClock }),
    (err) => err instanceof ConfigError && /arrivals binary needs a service URL/.test(err.message),
  );
});

void test("arrivals=off: each subscription says unavailable once, after subscribe returns, and delivers nothing", async () => {
  const source = new NoArrivals("http://pulsar:8080");
  const statuses: ArrivalStatus[] = [];
  const sub = source.subscribe(
    orders,
    3,
    () => assert.fail("no arrival"),
    (s) => statuses.push(s),
  );
  assert.equal(statuses.length, 0, "not from inside subscribe");
  await Promise.resolve();
  assert.equal(statuses.length, 1);
  const s = statuses[0];
  assert.ok(s?.kind === "unavailable" && s.error instanceof ArrivalsUnavailableError);
  assert.equal(s.error.message, "arrivals=off: polling only (http://pulsar:8080)");
  sub.rearm();
  await sub.close();
  // Closed before its status was said: nothing is said.
  const quiet: ArrivalStatus[] = [];
  const closed = source.subscribe(
    orders,
    0,
    () => undefined,
    (x) => quiet.push(x),
  );
  await closed.close();
  await Promise.resolve();
  assert.deepEqual(quiet, []);
  assert.equal(statuses.length, 1);
});

void test("with the WebSocket service off, a service URL gets arrivals over the binary protocol", async (t) => {
  const sim = await startSimulator({ port: 0, websocket: false });
  t.after(() => sim.close());
  await mustAdmin(sim.adminUrl, "PUT", "/admin/v2/persistent/public/default/orders/subscription/workers");
  const a = access(sim, { kind: "none" }, { serviceUrl: sim.serviceUrl ?? "" });
  const armed = new Latch(1);
  const arrived = new Latch(1);
  const sub = a.arrivals.subscribe(
    orders,
    0,
    () => arrived.hit(),
    (s) => s.kind === "connected" && armed.hit(),
  );
  t.after(async () => {
    await sub.close();
    await a.close();
  });
  await armed.wait(5000, "the binary tripwire armed");
  await sim.control.publish({ topic: "persistent://public/default/orders", count: 1 });
  await arrived.wait(5000, "the arrival over the binary protocol");
  assert.equal(a.transport.transport, "binary");
});
