import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { LogRecord } from "../../src/lib/child-process.js";
import { eventually, Latch } from "../support/latch.js";
import {
  killAll,
  startHub,
  startSidecar,
  startSim,
  type HubProc,
  type Proc,
  type SimProc,
} from "../support/programs.js";
import { armedConsumers, ensureSubscription, fullTopic, refFor } from "../support/pulsar.js";
import { tsxRunner } from "../support/runner.js";
import { sampleSum, scrape } from "../support/scrape.js";

/**
 * Issue 12's "done when", as real processes: the simulator with its WebSocket service off, so the
 * only arrivals a hub or sidecar can hear come over the binary protocol (the service URL makes
 * `auto` pick it); with `--pulsar-arrivals off` the same publish is seen by polling alone.
 */

const TOKEN = "binary-arrivals-token";
const runner = tsxRunner();
const procs: Proc[] = [];
let sim: SimProc;
let hub: HubProc;

const msgOf = (l: LogRecord): string => (typeof l["msg"] === "string" ? l["msg"] : "");
const says = (p: Proc, re: RegExp): boolean => p.lines.some((l) => re.test(msgOf(l)));
const BINARY_LINE = /^arrivals: binary \(pulsar:\/\/127\.0\.0\.1:\d+, serviceUrl configured\)$/;

before(async () => {
  sim = await startSim(runner, 0, "info", ["--websocket", "off"]);
  procs.push(sim);
  hub = await startHub(runner, {
    adminUrl: sim.adminUrl,
    sidecarToken: TOKEN,
    extraArgs: ["--pulsar-service-url", sim.serviceUrl, "--fast-poll-ms", "200"],
  });
  procs.push(hub);
});

after(async () => {
  await killAll(procs);
});

const arrivals = async (h: HubProc, watcher: "hub" | "sidecar"): Promise<number> =>
  sampleSum(await scrape(h.httpPort), "pps_arrivals_total", { watcher });

/**
 * Opens a StreamIsActive stream on `topic`, waits until the key is inactive (scaled to zero) and a
 * consumer holds a permit on the topic (`armed` of them), publishes one message over the control API
 * and resolves with the stream's pushes once the first came. `ready`, when given, must also hold
 * before the publish (e.g. the tripwire that is armed is the expected watcher's).
 */
async function wakeFromZero(
  h: HubProc,
  topic: string,
  armed: number,
  ready?: () => Promise<boolean>,
): Promise<boolean[]> {
  const keda = new KedaEmulator({ address: h.grpcAddress, reopenDelayMs: 60_000 });
  const ref = refFor({ name: `so-${topic}`, adminUrl: sim.adminUrl, topic, subscription: "workers" });
  const opened = new Latch(1);
  const pushed = new Latch(1);
  const pushes: boolean[] = [];
  const watch = keda.watch(ref, {
    onOpen: () => opened.hit(),
    onPush: (r) => {
      pushes.push(r.result);
      pushed.hit();
    },
  });
  try {
    await opened.wait(10_000, "stream opened");
    await eventually(async () => (await keda.isActive(ref).catch(() => true)) === false, 10_000, "inactive");
    await eventually(
      async () =>
        (await armedConsumers(sim.adminUrl, topic)) === armed && (ready === undefined || (await ready())),
      10_000,
      "armed",
    );
    assert.equal(pushed.hits, 0, "an idle key pushes nothing");
    await sim.control.publish({ topic: fullTopic(topic) });
    await pushed.wait(10_000, "true on the stream after the publish");
    return pushes;
  } finally {
    watch.stop();
    keda.close();
  }
}

void test("WebSocket off: a publish wakes a scaled-to-zero key through the hub's binary tripwire", async () => {
  const topic = "bin-hub";
  await ensureSubscription(sim.adminUrl, topic, "workers");
  const before = await arrivals(hub, "hub");
  assert.deepEqual(await wakeFromZero(hub, topic, 1), [true]);
  assert.ok(says(hub, BINARY_LINE), "the hub says its arrivals come over binary");
  await eventually(
    async () => (await arrivals(hub, "hub")) >= before + 1,
    10_000,
    "the hub's arrival counted",
  );
  assert.equal(await arrivals(hub, "hub"), before + 1, "the hub's tripwire counted one arrival");
});

void test("WebSocket off: a sidecar holding the lease wakes the key over binary", async () => {
  const topic = "bin-side";
  await ensureSubscription(sim.adminUrl, topic, "workers");
  // The sidecar announces the key before KEDA opens it, so the hub grants it straight to the sidecar.
  const sidecar = await startSidecar(runner, {
    hubUrl: hub.sidecarUrl,
    hubToken: TOKEN,
    pod: "consumer-0",
    adminUrl: sim.adminUrl,
    watch: [`${fullTopic(topic)}:workers`],
    extraArgs: ["--pulsar-service-url", sim.serviceUrl, "--fast-poll-ms", "200"],
  });
  procs.push(sidecar);
  const hubBefore = await arrivals(hub, "hub");
  const before = await arrivals(hub, "sidecar");
  const granted = sidecar.firstLine((l) => msgOf(l) === "granted: watching", 10_000);
  let isGranted = false;
  void granted.then(() => (isGranted = true));
  // The one armed tripwire must be the sidecar's: granted, and the hub watching no more keys itself
  // than before (a hub tripwire closing during the hand-over would leave the publish to the
  // sidecar's gap poll, which wakes the key without an arrival).
  const hubReaders = async (): Promise<number> =>
    sampleSum(await scrape(hub.httpPort), "pps_hub_arrival_readers", {});
  const readersBefore = await hubReaders();
  const hubWatchesNothing = async (): Promise<boolean> => (await hubReaders()) === readersBefore;
  const pushes = wakeFromZero(hub, topic, 1, async () => isGranted && (await hubWatchesNothing()));
  await granted;
  assert.deepEqual(await pushes, [true]);
  // The sidecar opens its cluster's access with the first grant, and logs the transport then.
  assert.ok(says(sidecar, BINARY_LINE), "the sidecar says its arrivals come over binary");
  // The push may come from the sidecar's observation a moment before its arrival frame is counted.
  await eventually(
    async () => (await arrivals(hub, "sidecar")) >= before + 1,
    10_000,
    "the sidecar's arrival counted",
  );
  assert.equal(await arrivals(hub, "sidecar"), before + 1, "the sidecar's tripwire counted one arrival");
  assert.equal(await arrivals(hub, "hub"), hubBefore, "the hub did not watch the sidecar's key");
  assert.ok(sampleSum(await scrape(hub.httpPort), "pps_leases", { holder: "sidecar" }) >= 1);
});

void test("--pulsar-arrivals off: the same publish is seen by polling alone, no arrival counted", async () => {
  const topic = "bin-off";
  await ensureSubscription(sim.adminUrl, topic, "workers");
  const polling = await startHub(runner, {
    adminUrl: sim.adminUrl,
    extraArgs: [
      ...["--pulsar-service-url", sim.serviceUrl, "--pulsar-arrivals", "off"],
      ...["--fast-poll-ms", "200", "--slow-poll-ms", "200", "--no-arrivals-poll-ms", "200"],
    ],
  });
  procs.push(polling);
  assert.deepEqual(await wakeFromZero(polling, topic, 0), [true]);
  assert.ok(says(polling, /^arrivals: polling only \(arrivals=off\)$/), "the hub says it polls only");
  assert.equal(await arrivals(polling, "hub"), 0, "no arrival: polling saw the backlog");
  assert.equal(await armedConsumers(sim.adminUrl, topic), 0, "no tripwire on the topic");
});
