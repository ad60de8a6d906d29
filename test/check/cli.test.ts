import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Report } from "../../src/check/report.js";
import { signJwt, startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { mustAdmin } from "../pulsar/sim-helpers.js";
import { cliCheck, metaFlags, tempFiles } from "./helpers.js";

const SECRET = "check-test-secret";
const TOPIC = "persistent://public/default/orders";
const file = tempFiles("pps-check-cli-");
let sim: RunningSimulator;
let good: string;

before(async () => {
  sim = await startSimulator({ port: 0, auth: { mode: "token", secret: SECRET } });
  good = signJwt({ sub: "scaler" }, SECRET);
  const auth = { headers: { authorization: `Bearer ${good}` } };
  await mustAdmin(
    sim.adminUrl,
    "PUT",
    "/admin/v2/persistent/public/default/orders/subscription/workers",
    auth,
  );
  await sim.control.publish({ topic: TOPIC, count: 12 });
  await sim.control.ack(TOPIC, "workers", 2);
});
after(() => sim.close());

const meta = metaFlags({ topic: TOPIC, subscription: "workers", msgBacklogThreshold: "4" });
const flags = (tokenFile: string) => [
  "--pulsar-admin-url",
  sim.adminUrl,
  "--pulsar-auth",
  "token",
  "--pulsar-token-file",
  tokenFile,
];

void test("process: success prints the report and exits 0", async () => {
  const r = await cliCheck([...flags(file("good.jwt", `${good}\n`)), ...meta]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^msgBacklog: +10$/m);
  assert.match(r.stdout, /^replicas: +3 /m);
  assert.match(r.stdout, /^verdict: +OK: active \(backlog 10 > 0\)/m);
  const json = await cliCheck([...flags(file("good.jwt", good)), ...meta, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as Report;
  assert.equal(report.subscription?.msgBacklog, 10);
  assert.equal(report.cluster?.auth, "token");
});

void test("process: a wrong token exits 1 with an authentication hint", async () => {
  const wrong = signJwt({ sub: "scaler" }, "another-secret");
  const r = await cliCheck([...flags(file("wrong.jwt", wrong)), ...meta]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^error: +AuthenticationError: HTTP 401/m);
  assert.match(r.stdout, /^hint: +The broker rejected the token: check the token file/m);
  assert.match(r.stdout, /^verdict: +FAIL: authentication failed/m);
  assert.doesNotMatch(r.stdout, new RegExp(wrong.slice(-20)), "the token is never printed");
});

void test("process: unknown subscription exits 1 and lists the subscriptions", async () => {
  const r = await cliCheck([
    ...flags(file("good.jwt", good)),
    ...metaFlags({ topic: TOPIC, subscription: "Workers" }),
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^subscriptions: +workers$/m);
  assert.match(r.stdout, /Did you mean "workers"\?/);
});

void test("process: bad flags exit 2 listing every problem; --help lists every flag with env and default", async () => {
  const bad = await cliCheck(["--min-replicas", "5", "--max-replicas", "2", "--bogus"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown flag --bogus/);
  const missing = await cliCheck(["--min-replicas", "5", "--max-replicas", "2"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--metadata key=value \(repeatable\) or --scaled-object FILE/);
  assert.match(missing.stderr, /--min-replicas 5 is above --max-replicas 2/);
  assert.match(missing.stderr, /no Pulsar cluster configured/);
  const help = await cliCheck(["--help"]);
  assert.equal(help.code, 0);
  for (const f of [
    "metadata",
    "scaled-object",
    "trigger-index",
    "min-replicas",
    "max-replicas",
    "json",
    "pulsar-admin-url",
    "pulsar-token-file",
  ]) {
    assert.match(help.stdout, new RegExp(`--${f}\\b`), f);
  }
  assert.match(help.stdout, /env PPS_CHECK_METADATA/);
  assert.match(help.stdout, /env PPS_PULSAR_REQUEST_TIMEOUT_MS, default 5000/);
});
