import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import { startHubHttp } from "../../src/lib/http.js";
import { createLogger } from "../../src/lib/logger.js";
import { programRegistry } from "../../src/lib/metrics.js";
import { statusRoutes } from "../../src/hub/status/status-page.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { launchChromium, whenTrue, type Browser } from "../support/chromium.js";
import type { Proc } from "../support/programs.js";
import { tempDir } from "../support/temp-dir.js";
import { obs } from "../support/observation.js";
import { createSubscription, publishOverWebSocket, startHub } from "../hub/process-harness.js";

const TOPIC = "public/default/orders";
const KEY = `default/persistent://${TOPIC}/workers`;
const ref: ScaledObjectRef = {
  name: "orders-consumer",
  namespace: "apps",
  scalerMetadata: { scalerAddress: "hub:9090", topic: `persistent://${TOPIC}`, subscription: "workers" },
};
const dir = tempDir("pps-status-page-");

let sim: RunningSimulator;
let hub: { proc: Proc; grpcPort: number; httpPort: number };
let keda: KedaEmulator;
let browser: Browser;

before(async () => {
  sim = await startSimulator({ port: 0 });
  await createSubscription(sim, TOPIC, "workers");
  hub = await startHub(sim, ["--fast-poll-ms", "200"]);
  keda = new KedaEmulator({ address: `127.0.0.1:${hub.grpcPort}`, reopenDelayMs: 60_000 });
  browser = await launchChromium();
});

after(async () => {
  keda.close();
  await browser.close();
  await hub.proc.kill();
  await sim.close();
});

const row = (key: string): string => `document.querySelector('tr[data-key=${JSON.stringify(key)}]')`;

void test(
  "the status page shows the keys and turns a key active on a publish, without a reload",
  { timeout: 30_000 },
  async () => {
    const url = `http://127.0.0.1:${hub.httpPort}/status`;
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(
      res.headers.get("content-security-policy") ?? "",
      /^default-src 'none'; script-src 'self'; style-src 'self'/,
    );
    await res.text();

    const opened = new Promise<void>((resolve) =>
      keda.watch(ref, { onOpen: () => resolve(), onPush: () => {} }),
    );
    await opened;
    const page = await browser.newPage();
    await page.goto(url);
    await page.evaluate(whenTrue(`${row(KEY)}?.dataset.verdict === "inactive"`));
    const text = await page.evaluate<string>(`${row(KEY)}.textContent`);
    assert.match(text, /persistent:\/\/public\/default\/orders/);
    assert.match(text, /apps\/orders-consumer \(msgBacklog>0\)/);
    assert.match(text, /below the activation threshold/);
    await page.evaluate("window.__marker = 1");

    await publishOverWebSocket(sim, TOPIC);
    await page.evaluate(whenTrue(`${row(KEY)}?.dataset.active === "true"`));
    assert.equal(await page.evaluate("window.__marker"), 1, "the page was not reloaded");
    await page.evaluate(whenTrue(`document.getElementById("activations").rows.length > 0`));
    const activation = await page.evaluate<string>(
      `document.getElementById("activations").rows[0].textContent`,
    );
    assert.match(activation, /apps\/orders-consumer/);
    writeFileSync(join(dir, "status-page.png"), await page.screenshot());
  },
);

void test("a topic with markup in it is shown as text, never run", { timeout: 30_000 }, async () => {
  const topic = `persistent://public/default/<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
  const key = { cluster: "default", topic, subscription: "<b>sub</b>" };
  const id = `default/${topic}/<b>sub</b>`;
  const http = await startHubHttp({
    host: "127.0.0.1",
    port: 0,
    ready: () => true,
    registry: programRegistry(),
    logger: createLogger("silent"),
    routes: statusRoutes(() => ({
      now: Date.now(),
      stalenessMs: 90_000,
      gatewayOn: false,
      clusters: {},
      transports: {},
      keys: [
        {
          id,
          key,
          observation: obs(Date.now(), 0),
          observationAgeMs: 0,
          fresh: true,
          lastArrivalAt: undefined,
          lastError: undefined,
          arrivals: undefined,
          rules: [],
          scaledObjects: 0,
          users: [],
          streams: 0,
        },
      ],
      holderOf: () => "hub",
      sidecars: [],
      activations: [],
    })),
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${http.port}/status`);
    await page.evaluate(whenTrue(`document.querySelector("td.topic")`));
    assert.equal(await page.evaluate(`document.querySelector("td.topic").textContent`), topic);
    assert.equal(await page.evaluate(`document.querySelector("td.subscription").textContent`), "<b>sub</b>");
    assert.equal(
      await page.evaluate(`document.querySelectorAll("tbody script, tbody img, tbody b").length`),
      0,
    );
    assert.equal(await page.evaluate(`typeof window.__pwned`), "undefined");
  } finally {
    await http.close();
  }
});

void test("--status-page off answers /status and /status.json with 404", { timeout: 30_000 }, async () => {
  const off = await startHub(sim, ["--status-page", "off"]);
  try {
    for (const path of ["/status", "/status.json", "/status.js"]) {
      const res = await fetch(`http://127.0.0.1:${off.httpPort}${path}`);
      assert.equal(res.status, 404, path);
      await res.text();
    }
  } finally {
    await off.proc.kill();
  }
});
