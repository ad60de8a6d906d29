import assert from "node:assert/strict";
import { test } from "node:test";
import type { KeyReport } from "../../src/state/key-state.js";
import { keyId, type WatchKey } from "../../src/state/key.js";
import { STATUS_PAGE_SIZE, statusModel, type StatusInput } from "../../src/hub/status/status-model.js";
import { obs } from "../support/observation.js";

const NOW = 1_000_000;
const RULE = { metric: "msgBacklog", threshold: 0 } as const;

function report(sub: string, over: Partial<KeyReport> = {}): KeyReport {
  const key: WatchKey = {
    cluster: "default",
    topic: "persistent://public/default/orders",
    subscription: sub,
  };
  return {
    id: keyId(key),
    key,
    observation: obs(NOW - 1_000, 0),
    observationAgeMs: 1_000,
    fresh: true,
    lastArrivalAt: undefined,
    lastError: undefined,
    arrivals: "connected",
    rules: [],
    scaledObjects: 1,
    users: [{ so: { namespace: "apps", name: `so-${sub}` }, rule: RULE }],
    streams: 1,
    ...over,
  };
}

function input(keys: KeyReport[], over: Partial<StatusInput> = {}): StatusInput {
  return {
    now: NOW,
    stalenessMs: 90_000,
    gatewayOn: true,
    clusters: { default: "http://pulsar:8080/" },
    transports: { default: "binary" },
    keys,
    holderOf: () => "hub",
    sidecars: [],
    activations: [],
    ...over,
  };
}

void test("each key gets the verdict that says why it is or is not scaled", () => {
  const keys = [
    report("idle"),
    report("busy", { observation: obs(NOW - 1_000, 5) }),
    report("arrived", { lastArrivalAt: NOW - 10 }),
    report("stale", { observation: obs(NOW - 100_000, 5), observationAgeMs: 100_000, fresh: false }),
    report("down", {
      observation: undefined,
      observationAgeMs: undefined,
      fresh: false,
      lastError: { name: "PulsarUnreachableError", message: "connect ECONNREFUSED", at: NOW - 500 },
    }),
    report("new", { observation: undefined, observationAgeMs: undefined, fresh: false }),
    report("orphan"),
  ];
  const s = statusModel(input(keys, { holderOf: (k) => (k.subscription === "orphan" ? undefined : "hub") }));
  const by = new Map(s.keys.map((k) => [k.subscription, k]));
  assert.equal(by.get("idle")?.verdict, "inactive");
  assert.match(by.get("idle")?.why ?? "", /below the activation threshold: msgBacklog 0 <= 0/);
  assert.equal(by.get("idle")?.active, false);
  assert.equal(by.get("busy")?.verdict, "active");
  assert.equal(by.get("busy")?.backlog, 5);
  assert.equal(by.get("arrived")?.verdict, "active");
  assert.equal(by.get("arrived")?.lastArrivalAgeMs, 10);
  assert.equal(by.get("stale")?.verdict, "stale");
  assert.match(by.get("stale")?.why ?? "", /100\.0 s old \(limit 90\.0 s\): KEDA is told UNAVAILABLE/);
  assert.equal(by.get("down")?.verdict, "unavailable");
  assert.deepEqual(by.get("down")?.lastError, {
    name: "PulsarUnreachableError",
    message: "connect ECONNREFUSED",
    ageMs: 500,
  });
  assert.equal(by.get("new")?.verdict, "waiting");
  assert.equal(by.get("orphan")?.verdict, "no-lease");
  assert.deepEqual(by.get("orphan")?.holder, { kind: "none" });
  assert.deepEqual(s.counts, { active: 2, inactive: 1, stale: 1, unavailable: 1, waiting: 1, "no-lease": 1 });
});

void test("a key shows its cluster URL, its lease holder's pod and the ScaledObjects using it", () => {
  const sidecar = {
    id: "s-1",
    pod: "orders-7f9",
    namespace: "apps",
    sidecarVersion: "1.0.0",
    announced: 1,
    held: 1,
    clockOffsetMs: 3,
  };
  const s = statusModel(input([report("w")], { holderOf: () => "s-1", sidecars: [sidecar] }));
  const k = s.keys[0];
  assert.ok(k);
  assert.equal(k.adminUrl, "http://pulsar:8080/");
  assert.deepEqual(k.holder, { kind: "sidecar", pod: "orders-7f9" });
  assert.deepEqual(k.scaledObjects, [{ namespace: "apps", name: "so-w", rule: "msgBacklog>0" }]);
  assert.equal(k.arrivals, "connected");
  assert.equal(k.transport, "binary", "the transport of the key's cluster");
  assert.deepEqual(s.sidecars, [sidecar]);
});

void test("no secrets: credentials in error messages are scrubbed", () => {
  const lastError = {
    name: "PulsarHttpError",
    message: "401 from http://pulsar/admin?token=abc.def.ghi: Authorization: Bearer abc.def.ghi",
    at: NOW,
  };
  const json = JSON.stringify(statusModel(input([report("x", { lastError })])));
  assert.doesNotMatch(json, /abc\.def\.ghi/);
  assert.match(json, /redacted/);
});

void test("beyond 200 keys the keys come in pages; counts cover every key; out-of-range pages clamp", () => {
  const keys = Array.from({ length: STATUS_PAGE_SIZE * 2 + 5 }, (_, i) =>
    report(`s${String(i).padStart(4, "0")}`),
  );
  const first = statusModel(input(keys));
  assert.equal(first.pages, 3);
  assert.equal(first.totalKeys, keys.length);
  assert.equal(first.keys.length, STATUS_PAGE_SIZE);
  assert.equal(first.counts.inactive, keys.length);
  assert.equal(first.keys[0]?.subscription, "s0000");
  const third = statusModel(input(keys), 3);
  assert.deepEqual(
    third.keys.map((k) => k.subscription),
    ["s0400", "s0401", "s0402", "s0403", "s0404"],
  );
  assert.equal(statusModel(input(keys), 99).page, 3);
  assert.equal(statusModel(input(keys), Number.NaN).page, 1);
  assert.equal(statusModel(input([])).pages, 1);
});

void test("recent activations carry their age and latency from arrival to push", () => {
  const activation = {
    at: NOW - 200,
    key: "default/persistent://public/default/orders/w",
    scaledObject: { namespace: "apps", name: "so-w" },
    cause: "arrival" as const,
    latencyMs: 7,
  };
  const s = statusModel(input([], { activations: [activation] }));
  assert.deepEqual(s.activations, [{ ...activation, ageMs: 200 }]);
});
