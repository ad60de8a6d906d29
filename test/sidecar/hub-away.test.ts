import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeHub } from "../support/fake-hub.js";
import { startSidecar } from "../support/sidecar-process.js";
import { tempDir } from "../support/temp-dir.js";
import { tokenFile } from "./helpers.js";

const secrets = tempDir("pps-sidecar-");
const isLost = (l: Record<string, unknown>): boolean => l["msg"] === "hub connection lost";

void test("hub mode without an HTTP port keeps running and reconnecting while the hub is away", async (t) => {
  // A hub that was there and is gone: its port refuses connections.
  const gone = await FakeHub.start({ token: () => "hub-secret" });
  const url = gone.url;
  await gone.close();
  const sidecar = await startSidecar(["--http-port", "off"], {
    PPS_HUB_URL: url,
    PPS_HUB_TOKEN_FILE: tokenFile(secrets, "hub-secret"),
    POD_NAME: "consumer-0",
    POD_NAMESPACE: "shop",
    PPS_WATCH: "persistent://public/default/orders:workers",
    PPS_PULSAR_ADMIN_URL: "http://127.0.0.1:9",
  });
  t.after(() => sidecar.kill());
  // Nothing but the reconnect backoff runs: a third attempt shows the process did not drain out.
  const third = sidecar.lines
    .next((l) => isLost(l) && sidecar.lines.all.filter(isLost).length >= 3, 10_000, "third attempt")
    .then(
      () => "reconnecting",
      () => "no third attempt",
    );
  const exited = sidecar.exited.then(({ code }) => `exited with ${code}`);
  assert.equal(await Promise.race([third, exited]), "reconnecting");
  assert.equal(sidecar.child.exitCode, null);
});
