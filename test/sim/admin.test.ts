import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { fixture, request, WsClient, type Frame } from "./helpers.js";

let sim: RunningSimulator;
before(async () => {
  // The stats layouts include oldestBacklogMessageSubscriptionName: ages current, no check lag.
  sim = await startSimulator({ backlogQuotaCheckMs: 0 });
});
after(async () => {
  await sim.close();
});

const errors = fixture<Record<string, unknown>>("error-bodies.json");
const real = fixture<Record<string, unknown>>("topic-stats-real-4.1.json");
const api = (path: string) => `${sim.adminUrl}/admin/v2/${path}`;
const put = (path: string, body = "") =>
  request(api(path), { method: "PUT", body, headers: { "Content-Type": "application/json" } });

test("stats documents have the field names and order of a 4.1 broker", async () => {
  const c = await WsClient.connect(
    `${sim.wsUrl}/ws/v2/consumer/persistent/public/default/keys/test_subscription?subscriptionType=Failover`,
  );
  assert.equal((await put("persistent/public/default/keys/subscription/taosx-test")).status, 204);
  await sim.control.publish({ topic: "keys", count: 3 });
  await c.next("one message");
  const doc = (await request(api("persistent/public/default/keys/stats"))).json();
  assert.deepEqual(Object.keys(doc), Object.keys(real));
  const realSubs = real["subscriptions"] as Record<string, Frame>;
  const subs = doc["subscriptions"] as Record<string, Frame>;
  assert.deepEqual(
    Object.keys(subs["test_subscription"] ?? {}),
    Object.keys(realSubs["test_subscription"] ?? {}),
  );
  assert.deepEqual(Object.keys(subs["taosx-test"] ?? {}), Object.keys(realSubs["taosx-test"] ?? {}));
  const consumer = (subs["test_subscription"]?.["consumers"] as Frame[])[0];
  const realConsumer = (realSubs["test_subscription"]?.["consumers"] as Frame[])[0];
  assert.deepEqual(Object.keys(consumer ?? {}), Object.keys(realConsumer ?? {}));
  assert.equal(subs["taosx-test"]?.["msgBacklog"], 3);
  assert.equal(subs["test_subscription"]?.["activeConsumerName"], consumer?.["consumerName"]);
  const small = (
    await request(
      api("persistent/public/default/keys/stats?subscriptionBacklogSize=false&getPreciseBacklog=true"),
    )
  ).json();
  assert.equal((small["subscriptions"] as Record<string, Frame>)["taosx-test"]?.["backlogSize"], -1);
  const early = (
    await request(api("persistent/public/default/keys/stats?getEarliestTimeInBacklog=true"))
  ).json();
  assert.ok((early["earliestMsgPublishTimeInBacklogs"] as number) > 0);
  c.close();
});

test("partitioned-stats has the aggregate layout of the 3-partition fixture", async () => {
  const fx = fixture<Record<string, unknown>>("partitioned-stats-3-partitions.json");
  assert.equal((await put("persistent/public/default/pstats/partitions", "3")).status, 204);
  assert.equal((await put("persistent/public/default/pstats/subscription/workers")).status, 204);
  await sim.control.publish({ topic: "pstats", count: 6 });
  const doc = (await request(api("persistent/public/default/pstats/partitioned-stats"))).json();
  assert.deepEqual(Object.keys(doc), Object.keys(fx));
  assert.deepEqual(doc["metadata"], { partitions: 3 });
  assert.equal(((doc["subscriptions"] as Record<string, Frame>)["workers"] ?? {})["msgBacklog"], 6);
  assert.equal(Object.keys(doc["partitions"] as object).length, 3);
  const lean = (
    await request(api("persistent/public/default/pstats/partitioned-stats?perPartition=false"))
  ).json();
  assert.deepEqual(lean["partitions"], {});
  assert.deepEqual((await request(api("persistent/public/default/pstats/partitions"))).json(), {
    partitions: 3,
  });
  const acked = await sim.control.ack("pstats", "workers", 4);
  assert.equal(acked.acked, 4);
  const after = (await request(api("persistent/public/default/pstats/partitioned-stats"))).json();
  assert.equal(((after["subscriptions"] as Record<string, Frame>)["workers"] ?? {})["msgBacklog"], 2);
});

test("404, 409 and 412 answers carry the reasons of the fixture", async () => {
  assert.equal((await put("persistent/public/default/orders")).status, 204);
  const cases: Array<[string, Promise<Awaited<ReturnType<typeof request>>>, number, unknown]> = [
    [
      "stats of a missing topic",
      request(api("persistent/public/default/no-such-topic/stats")),
      404,
      errors["404_topic_not_found_stats"],
    ],
    [
      "partitions of a missing topic",
      request(api("persistent/public/default/no-such-topic/partitions")),
      404,
      errors["404_partitions_metadata_missing_topic"],
    ],
    [
      "partitioned-stats of a missing topic",
      request(api("persistent/public/default/orders/partitioned-stats")),
      404,
      errors["404_partitioned_stats_on_non_partitioned_or_missing"],
    ],
    [
      "topic list of a missing namespace",
      request(api("persistent/public/nope")),
      404,
      errors["404_namespace_missing_topic_list"],
    ],
    [
      "stats in a missing namespace",
      request(api("persistent/public/nope/x/stats")),
      404,
      errors["404_namespace_missing_validate"],
    ],
    ["invalid namespace name", request(api("persistent/public/bad%20ns")), 412, errors["412_invalid_name"]],
    [
      "missing subscription",
      request(api("persistent/public/default/orders/subscription/workers"), { method: "DELETE" }),
      404,
      errors["404_subscription_missing"],
    ],
  ];
  for (const [what, pending, status, body] of cases) {
    const res = await pending;
    assert.equal(res.status, status, what);
    assert.match(res.contentType, /application\/json/, what);
    assert.deepEqual(res.json(), body, what);
  }
  const again = await request(api("persistent/public/default/orders/partitioned-stats"));
  assert.deepEqual(
    again.json(),
    errors["404_partitioned_stats_on_non_partitioned_or_missing"],
    "non-partitioned topic",
  );
  assert.equal((await put("persistent/public/default/orders")).status, 409);
  assert.equal((await put("persistent/public/default/orders/partitions", "2")).status, 409);
  assert.equal((await put("persistent/public/default/pzero/partitions", "0")).status, 406);
  assert.deepEqual((await request(api("persistent/public/default/orders/partitions"))).json(), {
    partitions: 0,
  });
});

test("stats of a partitioned base name is 404; its partitions answer", async () => {
  assert.equal((await put("persistent/public/default/based/partitions", "2")).status, 204);
  const res = await request(api("persistent/public/default/based/stats"));
  assert.equal(res.status, 404);
  assert.deepEqual(res.json(), { reason: "Topic persistent://public/default/based not found" });
  assert.equal((await request(api("persistent/public/default/based-partition-1/stats"))).status, 200);
});

test("tenants, namespaces, listings and subscriptions", async () => {
  assert.equal((await put("tenants/acme", "{}")).status, 204);
  assert.equal((await put("tenants/acme", "{}")).status, 409);
  assert.equal((await put("namespaces/acme/orders")).status, 204);
  assert.equal((await put("namespaces/ghost/orders")).status, 404);
  assert.deepEqual((await request(api("namespaces/acme"))).json(), ["acme/orders"]);
  assert.equal((await put("persistent/acme/orders/a")).status, 204);
  assert.equal((await put("persistent/acme/orders/b/partitions", "2")).status, 204);
  assert.deepEqual((await request(api("persistent/acme/orders"))).json<string[]>().sort(), [
    "persistent://acme/orders/a",
    "persistent://acme/orders/b-partition-0",
    "persistent://acme/orders/b-partition-1",
  ]);
  assert.deepEqual((await request(api("persistent/acme/orders/partitioned"))).json(), [
    "persistent://acme/orders/b",
  ]);
  assert.equal((await put("persistent/acme/orders/b/subscription/s1")).status, 204);
  assert.equal((await put("persistent/acme/orders/b/subscription/s1")).status, 409);
  assert.deepEqual((await request(api("persistent/acme/orders/b/subscriptions"))).json(), ["s1"]);
  const del = await request(api("persistent/acme/orders/b/subscription/s1"), { method: "DELETE" });
  assert.equal(del.status, 204);
  assert.deepEqual((await request(api("persistent/acme/orders/b/subscriptions"))).json(), []);
  assert.equal((await request(api("persistent/acme/orders/zzz/subscriptions"))).status, 404);
});

test("a subscription with connected consumers is not deleted without force", async () => {
  const c = await WsClient.connect(
    `${sim.wsUrl}/ws/v2/consumer/persistent/public/default/busy/s?subscriptionType=Shared`,
  );
  const res = await request(api("persistent/public/default/busy/subscription/s"), { method: "DELETE" });
  assert.equal(res.status, 412);
  const forced = await request(api("persistent/public/default/busy/subscription/s?force=true"), {
    method: "DELETE",
  });
  assert.equal(forced.status, 204);
  c.close();
});
