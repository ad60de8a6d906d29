import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ObservationFrame, SidecarFrame } from "../../src/contract/frames.js";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { keyId, type WatchKey } from "../../src/state/key.js";
import { mustAdmin } from "../pulsar/sim-helpers.js";
import { FakeHub, type FakeHubSession } from "../support/fake-hub.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import { tempDir } from "../support/temp-dir.js";
import { tokenFile } from "./helpers.js";

// Two partitioned topics: one granted with the trigger's hint, one without (auto-detect).
const HINTED: WatchKey = {
  cluster: "default",
  topic: "persistent://public/default/hinted",
  subscription: "w",
};
const PLAIN: WatchKey = { cluster: "default", topic: "persistent://public/default/plain", subscription: "w" };
const admin = (topic: string) => `/admin/v2/persistent/public/default/${topic}`;

const secrets = tempDir("pps-sidecar-");
let sim: RunningSimulator;
let hub: FakeHub;
let sidecar: SidecarProcess;
let session: FakeHubSession;

before(async () => {
  sim = await startSimulator({ port: 0 });
  for (const topic of ["hinted", "plain"]) {
    await mustAdmin(sim.adminUrl, "PUT", `${admin(topic)}/partitions`, { body: "3" });
    await mustAdmin(sim.adminUrl, "PUT", `${admin(topic)}/subscription/w`);
    await sim.control.publish({ topic: `persistent://public/default/${topic}`, count: 4 });
  }
  hub = await FakeHub.start({ token: () => "hub-secret" });
  sidecar = await startSidecar(["--http-port", "off"], {
    PPS_HUB_URL: hub.url,
    PPS_HUB_TOKEN_FILE: tokenFile(secrets, "hub-secret"),
    POD_NAME: "consumer-0",
    POD_NAMESPACE: "shop",
    PPS_WATCH: "persistent://public/default/hinted:w,public/default/plain:w",
    PPS_PULSAR_ADMIN_URL: sim.adminUrl,
  });
  session = await hub.nextSession(10_000);
});

after(async () => {
  await sidecar?.kill();
  await hub?.close();
  await sim?.close();
});

const observationOf =
  (key: WatchKey) =>
  (f: SidecarFrame): boolean =>
    f.type === "observation" && keyId(f.key) === keyId(key);

void test("a grant with partitioned: true: the sidecar reads the topic as partitioned without asking", async () => {
  await sim.control.resetRequests();
  session.grant(HINTED, { partitioned: true });
  session.grant(PLAIN);
  const hinted = (await session.frames.next(observationOf(HINTED), 5000, "hinted")) as ObservationFrame;
  const plain = (await session.frames.next(observationOf(PLAIN), 5000, "plain")) as ObservationFrame;
  assert.equal(hinted.observation.partitions, 3);
  assert.equal(hinted.observation.msgBacklog, 4);
  assert.equal(plain.observation.partitions, 3);

  const byPath = (await sim.control.requests()).byPath;
  assert.equal(byPath[`${admin("hinted")}/partitions`], undefined, "the hint replaces the lookup");
  assert.ok((byPath[`${admin("hinted")}/partitioned-stats`] ?? 0) >= 1);
  assert.equal(byPath[`${admin("plain")}/partitions`], 1, "without a hint the sidecar auto-detects");
});
