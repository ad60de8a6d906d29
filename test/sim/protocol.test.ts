import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { decodeMessageId } from "../../src/sim/model/message-id.js";
import { MAX_TEXT_FRAME_BYTES } from "../../src/sim/ws/gateway.js";
import { isJavaBase64 } from "../../src/sim/ws/producer.js";
import { eventually } from "../support/latch.js";
import { b64, fixture, request, upgradeAnswer, upgradeStatus, WsClient, type Frame } from "./helpers.js";

let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator();
});
after(async () => {
  await sim.close();
});

const frames = fixture<Record<string, Frame>>("websocket-frames.json");
const producerUrl = (topic: string) => `${sim.wsUrl}/ws/v2/producer/persistent/public/default/${topic}`;
const consumerUrl = (topic: string, sub: string, query = "subscriptionType=Shared") =>
  `${sim.wsUrl}/ws/v2/consumer/persistent/public/default/${topic}/${sub}?${query}`;
const readerUrl = (topic: string, query = "messageId=latest") =>
  `${sim.wsUrl}/ws/v2/reader/persistent/public/default/${topic}?${query}`;

async function stats(topic: string): Promise<Record<string, unknown>> {
  const res = await request(`${sim.adminUrl}/admin/v2/persistent/public/default/${topic}/stats`);
  assert.equal(res.status, 200, res.text);
  return res.json();
}

async function sub(topic: string, name: string): Promise<Record<string, unknown>> {
  const s = (await stats(topic))["subscriptions"] as Record<string, Record<string, unknown>>;
  const found = s[name];
  assert.ok(found, `subscription ${name} in ${Object.keys(s).join(",")}`);
  return found;
}

async function send(p: WsClient, n: number, from = 0, extra: Frame = {}): Promise<void> {
  for (let i = from; i < from + n; i++)
    p.send({ payload: b64(`m${i}`), properties: {}, context: String(i), ...extra });
  for (let i = from; i < from + n; i++) {
    const ack = await p.next(`producer ack ${i}`, 5000, (f) => f["context"] === String(i));
    assert.equal(ack["result"], "ok");
  }
}

test("producer, consumer and ack: the WebSocket API v2 frames of docs/simulator.md", async () => {
  const c = await WsClient.connect(consumerUrl("conv", "workers"));
  const p = await WsClient.connect(producerUrl("conv"));
  p.send(frames["producer_send"] ?? {});
  const ack = await p.next("producer ack");
  assert.deepEqual(Object.keys(ack), ["result", "messageId", "context"]);
  assert.equal(ack["result"], "ok");
  assert.equal(ack["context"], "1");
  const msg = await c.next("message");
  assert.deepEqual(Object.keys(msg).sort(), Object.keys(frames["consumer_or_reader_message"] ?? {}).sort());
  assert.equal(msg["messageId"], ack["messageId"]);
  assert.equal(msg["payload"], "SGVsbG8gV29ybGQ=");
  assert.deepEqual(msg["properties"], { key1: "value1" });
  assert.equal(msg["key"], "order-42");
  assert.equal(msg["redeliveryCount"], 0);
  assert.ok(!Number.isNaN(Date.parse(msg["publishTime"] as string)));
  let s = await sub("conv", "workers");
  assert.equal(s["msgBacklog"], 1);
  assert.equal(s["unackedMessages"], 1);
  c.send({ messageId: msg["messageId"] });
  await eventually(
    async () => (await sub("conv", "workers"))["msgBacklog"] === 0,
    5000,
    "backlog 0 after ack",
  );
  s = await sub("conv", "workers");
  assert.equal(s["unackedMessages"], 0);
  assert.equal((s["consumers"] as Frame[]).length, 1);
  c.send({ type: "isEndOfTopic" });
  assert.deepEqual(await c.next("endOfTopic"), { endOfTopic: false });
  p.close();
  c.close();
});

test("more than 1000 messages keep flowing while the consumer acks", async () => {
  const c = await WsClient.connect(consumerUrl("flow", "workers"));
  let received = 0;
  c.ws.on("message", (data: Buffer) => {
    const f = JSON.parse(data.toString()) as Frame;
    received++;
    c.send({ messageId: f["messageId"] });
  });
  const p = await WsClient.connect(producerUrl("flow"));
  await send(p, 1500);
  await eventually(() => received === 1500, 10_000, "1500 deliveries");
  await eventually(async () => (await sub("flow", "workers"))["msgBacklog"] === 0, 5000, "drained");
  p.close();
  c.close();
});

test("without acks delivery stops at receiverQueueSize; an ack lets one more through", async () => {
  const c = await WsClient.connect(
    consumerUrl("queue", "workers", "subscriptionType=Shared&receiverQueueSize=10"),
  );
  const p = await WsClient.connect(producerUrl("queue"));
  await send(p, 25);
  for (let i = 0; i < 10; i++) await c.next(`message ${i}`);
  const s = await sub("queue", "workers");
  assert.equal(s["msgOutCounter"], 10);
  assert.equal(s["unackedMessages"], 10);
  assert.equal(s["msgBacklog"], 25);
  assert.equal((s["consumers"] as Frame[])[0]?.["availablePermits"], 0);
  const first = c.frames.all[0];
  c.send({ messageId: first?.["messageId"] });
  const eleventh = await c.next("11th message");
  assert.equal(eleventh["payload"], b64("m10"));
  assert.equal((await sub("queue", "workers"))["msgBacklog"], 24);
  p.close();
  c.close();
});

test("negative acknowledgement redelivers with redeliveryCount + 1", async () => {
  const c = await WsClient.connect(
    consumerUrl("nack", "workers", "subscriptionType=Shared&negativeAckRedeliveryDelay=0"),
  );
  const p = await WsClient.connect(producerUrl("nack"));
  await send(p, 1);
  const m = await c.next("first delivery");
  c.send({ type: "negativeAcknowledge", messageId: m["messageId"] });
  const again = await c.next("redelivery");
  assert.equal(again["messageId"], m["messageId"]);
  assert.equal(again["redeliveryCount"], 1);
  p.close();
  c.close();
});

test("pull mode delivers only what permits allow", async () => {
  const c = await WsClient.connect(consumerUrl("pull", "workers", "subscriptionType=Shared&pullMode=true"));
  const p = await WsClient.connect(producerUrl("pull"));
  await send(p, 5);
  assert.equal((await sub("pull", "workers"))["msgOutCounter"], 0);
  c.send({ type: "permit", permitMessages: 2 });
  await c.next("permitted 1");
  await c.next("permitted 2");
  assert.equal((await sub("pull", "workers"))["msgOutCounter"], 2);
  p.close();
  c.close();
});

test("a second consumer on a busy Exclusive subscription is refused with 409", async () => {
  const c = await WsClient.connect(consumerUrl("excl", "only", "subscriptionType=Exclusive"));
  assert.equal(await upgradeStatus(consumerUrl("excl", "only", "subscriptionType=Exclusive")), 409);
  assert.equal(await upgradeStatus(consumerUrl("excl", "only", "subscriptionType=Shared")), 409);
  assert.equal(await upgradeStatus(consumerUrl("excl", "x", "subscriptionType=Bogus")), 400);
  c.close();
});

test("a reader appears as a non-durable reader-<10 hex> subscription until it disconnects", async () => {
  const r = await WsClient.connect(readerUrl("readme"));
  const subs = (await stats("readme"))["subscriptions"] as Record<string, Frame>;
  const names = Object.keys(subs);
  assert.equal(names.length, 1);
  assert.match(names[0] ?? "", /^reader-[0-9a-f]{10}$/);
  const s = subs[names[0] ?? ""];
  assert.equal(s?.["isDurable"], false);
  assert.equal(s?.["durable"], false);
  const p = await WsClient.connect(producerUrl("readme"));
  await send(p, 2);
  const m = await r.next("reader message");
  assert.equal(m["payload"], b64("m0"));
  r.send({ messageId: m["messageId"] });
  await r.next("second reader message");
  r.close();
  await eventually(
    async () => Object.keys((await stats("readme"))["subscriptions"] as object).length === 0,
    5000,
    "reader gone",
  );
  const early = await WsClient.connect(readerUrl("readme", "messageId=earliest"));
  assert.equal((await early.next("earliest"))["payload"], b64("m0"));
  const after = await WsClient.connect(
    readerUrl("readme", `messageId=${encodeURIComponent(m["messageId"] as string)}`),
  );
  assert.equal((await after.next("after id"))["payload"], b64("m1"));
  early.close();
  after.close();
  p.close();
});

test("subscriptionMode=NonDurable: a durable false subscription that goes with its last consumer", async () => {
  const nd = "subscriptionType=Shared&subscriptionMode=NonDurable";
  const c = await WsClient.connect(consumerUrl("nondur", "wire", nd));
  const s = await sub("nondur", "wire");
  assert.equal(s["isDurable"], false);
  assert.equal(s["durable"], false);
  const p = await WsClient.connect(producerUrl("nondur"));
  await send(p, 1);
  assert.equal((await c.next("non-durable message"))["payload"], b64("m0"));
  const durable = await WsClient.connect(consumerUrl("nondur", "workers"));
  assert.equal(await upgradeStatus(consumerUrl("nondur", "workers", nd)), 500);
  assert.equal(await upgradeStatus(consumerUrl("nondur", "wire")), 500);
  assert.equal(await upgradeStatus(consumerUrl("nondur", "x", "subscriptionMode=Bogus")), 400);
  c.close();
  await eventually(
    async () => !("wire" in ((await stats("nondur"))["subscriptions"] as object)),
    5000,
    "non-durable subscription deleted with its consumer",
  );
  durable.close();
  p.close();
});

test("a reader with receiverQueueSize=1 gets one frame until it acks, however many are published", async () => {
  const r = await WsClient.connect(readerUrl("wire", "messageId=latest&receiverQueueSize=1"));
  const p = await WsClient.connect(producerUrl("wire"));
  await send(p, 1000);
  const first = await r.next("first frame");
  assert.equal(first["payload"], b64("m0"));
  const readerSub = async () => {
    const subs = (await stats("wire"))["subscriptions"] as Record<string, Frame>;
    return Object.values(subs)[0] ?? {};
  };
  assert.equal((await readerSub())["msgOutCounter"], 1, "one frame outstanding, nothing more sent");
  r.send({ messageId: first["messageId"] });
  assert.equal((await r.next("after the ack"))["payload"], b64("m1"));
  assert.equal((await readerSub())["msgOutCounter"], 2);
  assert.equal(r.frames.all.length, 2);
  r.close();
  p.close();
});

test("upgrade errors carry each handler's status and text", async () => {
  const base = `${sim.wsUrl}/ws/v2`;
  const topic = "persistent/public/default/upgrades";
  const cases: [string, number, string | RegExp][] = [
    [`${base}/reader/${topic}?messageId=bm90LWFuLWlk`, 500, /^Failed to create reader: /],
    [`${base}/reader/${topic}?messageId=***`, 500, /^Failed to create reader: /],
    [`${base}/consumer/${topic}`, 400, "Invalid query params: Invalid topic name format"],
    [`${base}/consumer/${topic}/`, 400, "Invalid query params: Empty subscription name"],
    [
      `${base}/consumer/${topic}/s?receiverQueueSize=ten`,
      400,
      'Invalid query params: For input string: "ten"',
    ],
    [
      `${base}/consumer/${topic}/s?subscriptionType=Bogus`,
      400,
      "Invalid query params: Invalid subscriptionType Bogus",
    ],
    // Pulsar 4.x: ProducerHandler and ConsumerHandler both write AbstractWebSocketHandler's text.
    [
      `${base}/producer/persistent/public/ghost/x`,
      404,
      "Failed to create producer/consumer: Namespace not found",
    ],
    [
      `${base}/consumer/persistent/public/ghost/x/s`,
      404,
      "Failed to create producer/consumer: Namespace not found",
    ],
    [`${base}/reader/persistent/public/ghost/x`, 500, "Failed to create reader: Namespace not found"],
  ];
  for (const [url, status, text] of cases) {
    const a = await upgradeAnswer(url);
    assert.equal(a.status, status, url);
    if (typeof text === "string") assert.equal(a.body, text, url);
    else assert.match(a.body, text, url);
  }
});

test("a second Exclusive consumer is refused with 409 and AbstractWebSocketHandler's text", async () => {
  const first = await WsClient.connect(consumerUrl("busy", "only", "subscriptionType=Exclusive"));
  const a = await upgradeAnswer(consumerUrl("busy", "only", "subscriptionType=Exclusive"));
  assert.equal(a.status, 409);
  assert.equal(a.body, "Failed to create producer/consumer: Exclusive consumer is already connected");
  first.close();
});

test("a reader ignores subscriptionName: its subscription is always reader-<10 hex>", async () => {
  const r = await WsClient.connect(readerUrl("named", "messageId=latest&subscriptionName=mine"));
  const names = Object.keys((await stats("named"))["subscriptions"] as object);
  assert.equal(names.length, 1);
  assert.match(names[0] ?? "", /^reader-[0-9a-f]{10}$/);
  r.close();
});

test("batchingEnabled=true: a batch is one entry, its messages carry batch indexes, msgBacklog counts entries", async () => {
  const c = await WsClient.connect(consumerUrl("batched", "workers"));
  const p = await WsClient.connect(`${producerUrl("batched")}?batchingEnabled=true&batchingMaxMessages=3`);
  await send(p, 3);
  const acks = p.frames.all.filter((f) => f["result"] === "ok");
  const ids = acks.map((a) => decodeMessageId(a["messageId"] as string));
  assert.deepEqual(
    ids.map((i) => i.batchIndex),
    [0, 1, 2],
  );
  assert.equal(new Set(ids.map((i) => i.entryId)).size, 1, "one entry");
  const s = await stats("batched");
  assert.equal(s["msgInCounter"], 3, "messages in");
  assert.equal((await sub("batched", "workers"))["msgBacklog"], 1, "one entry of backlog");
  const got = [await c.next("m0"), await c.next("m1"), await c.next("m2")];
  assert.deepEqual(
    got.map((m) => m["payload"]),
    [b64("m0"), b64("m1"), b64("m2")],
  );
  assert.deepEqual(
    got.map((m) => m["messageId"]),
    acks.map((a) => a["messageId"]),
  );
  c.send({ messageId: got[0]?.["messageId"] });
  c.send({ messageId: got[1]?.["messageId"] });
  c.send({ type: "isEndOfTopic" });
  await c.next("round trip", 5000, (f) => "endOfTopic" in f);
  assert.equal(
    (await sub("batched", "workers"))["msgBacklog"],
    1,
    "two of three acknowledged: the entry stays",
  );
  c.send({ messageId: got[2]?.["messageId"] });
  await eventually(
    async () => (await sub("batched", "workers"))["msgBacklog"] === 0,
    5000,
    "all three acknowledged",
  );
  const r = await WsClient.connect(readerUrl("batched", "messageId=earliest&receiverQueueSize=1"));
  const first = await r.next("reader: first of the batch");
  assert.equal(first["payload"], b64("m0"));
  r.send({ messageId: first["messageId"] });
  assert.equal((await r.next("one more per ack"))["payload"], b64("m1"));
  assert.equal(r.frames.all.length, 2, "the third waits for the next ack");
  r.close();
  c.close();
  p.close();
});

test("inbound text frames over webSocketMaxTextFrameSize (1 MiB) close the session with 1009", async () => {
  const p = await WsClient.connect(producerUrl("big"));
  const payload = "A".repeat(MAX_TEXT_FRAME_BYTES - 100);
  p.send({ payload, context: "fits" });
  const ack = await p.next("ack of a frame under the cap");
  assert.equal(ack["result"], "ok");
  p.send({ payload: payload + "A".repeat(200), context: "over" });
  assert.equal((await p.closed).code, 1009);
});

test("base64 is checked as Java decodes it, in linear time for any size", () => {
  for (const ok of ["", "QQ", "QQ==", "QUI", "QUI=", "QUJD", "SGVsbG8gV29ybGQ="])
    assert.ok(isJavaBase64(ok), ok);
  for (const bad of ["Q", "QQ=", "Q===", "***", "QUJD=", "QU=I"]) assert.equal(isJavaBase64(bad), false, bad);
  assert.equal(isJavaBase64("A".repeat(6_000_000)), true, "no stack overflow on megabytes");
});

test("producer errors: bad JSON is send-error:3, bad base64 is send-error:7", async () => {
  const p = await WsClient.connect(producerUrl("errs"));
  p.ws.send("{not json");
  const e1 = await p.next("json error");
  assert.equal(e1["result"], "send-error:3");
  assert.equal(e1["errorMsg"], "Failed to de-serialize from JSON");
  p.send({ payload: "***", context: "7" });
  const e2 = await p.next("payload error");
  assert.equal(e2["result"], "send-error:7");
  assert.equal(e2["context"], "7");
  p.close();
});

test("a malformed consumer frame closes the session with a Pulsar error code", async () => {
  const c = await WsClient.connect(consumerUrl("badframe", "workers"));
  c.ws.send("nope");
  const closed = await c.closed;
  assert.notEqual(closed.code, 1000);
});

test("unsubscribe deletes the subscription", async () => {
  const c = await WsClient.connect(consumerUrl("unsub", "gone"));
  c.send({ type: "unsubscribe" });
  await eventually(
    async () => !("gone" in ((await stats("unsub"))["subscriptions"] as object)),
    5000,
    "unsubscribed",
  );
  c.close();
});

test("partitioned topics: per-partition consumers, keyed producer, partitioned-stats sums", async () => {
  const put = await request(`${sim.adminUrl}/admin/v2/persistent/public/default/parts/partitions`, {
    method: "PUT",
    body: "2",
    headers: { "Content-Type": "application/json" },
  });
  assert.equal(put.status, 204);
  const c0 = await WsClient.connect(consumerUrl("parts-partition-0", "workers"));
  const c1 = await WsClient.connect(consumerUrl("parts-partition-1", "workers"));
  const p = await WsClient.connect(producerUrl("parts"));
  for (let i = 0; i < 10; i++) p.send({ payload: b64(`k${i}`), key: `key-${i}`, context: String(i) });
  for (let i = 0; i < 10; i++) await p.next(`ack ${i}`);
  const res = await request(`${sim.adminUrl}/admin/v2/persistent/public/default/parts/partitioned-stats`);
  const doc = res.json();
  assert.equal(doc["msgInCounter"], 10);
  const w = (doc["subscriptions"] as Record<string, Frame>)["workers"];
  assert.equal(w?.["msgBacklog"], 10);
  // One consumer on each partition: lists of equal length merge index by index, as Pulsar does.
  assert.equal((w?.["consumers"] as Frame[]).length, 1);
  assert.equal(c0.frames.all.length + c1.frames.all.length <= 10, true);
  await eventually(
    () => c0.frames.all.length + c1.frames.all.length === 10,
    5000,
    "10 deliveries over 2 partitions",
  );
  const fanIn = await WsClient.connect(
    consumerUrl("parts", "all", "subscriptionType=Shared&subscriptionInitialPosition=Earliest"),
  );
  await eventually(() => fanIn.frames.all.length === 10, 5000, "fan-in consumer gets all partitions");
  for (const f of fanIn.frames.all) fanIn.send({ messageId: f["messageId"] });
  await eventually(
    async () => {
      const d = (
        await request(
          `${sim.adminUrl}/admin/v2/persistent/public/default/parts/partitioned-stats?perPartition=false`,
        )
      ).json();
      return (d["subscriptions"] as Record<string, Frame>)["all"]?.["msgBacklog"] === 0;
    },
    5000,
    "fan-in acks reach every partition",
  );
  for (const x of [c0, c1, p, fanIn]) x.close();
});

test("non-persistent topics deliver to connected consumers and keep no backlog", async () => {
  const url = `${sim.wsUrl}/ws/v2/consumer/non-persistent/public/default/live/s?subscriptionType=Shared`;
  const c = await WsClient.connect(url);
  const p = await WsClient.connect(`${sim.wsUrl}/ws/v2/producer/non-persistent/public/default/live`);
  await send(p, 3);
  for (let i = 0; i < 3; i++) await c.next(`np ${i}`);
  const res = await request(`${sim.adminUrl}/admin/v2/non-persistent/public/default/live/stats`);
  const s = (res.json()["subscriptions"] as Record<string, Frame>)["s"];
  assert.equal(s?.["msgBacklog"], 0);
  p.close();
  c.close();
});
