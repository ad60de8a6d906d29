import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { Latch } from "../support/latch.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness;
let client: grpc.Client;

type CheckFn = (
  req: { service: string },
  cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
) => void;

before(async () => {
  h = await startHarness();
  const Ctor = grpc.makeGenericClientConstructor(healthService, "Health");
  client = new Ctor(h.address, grpc.credentials.createInsecure());
});
after(async () => {
  client.close();
  await h.close();
});

function check(service: string): Promise<string> {
  const fn = (client as unknown as Record<string, CheckFn>)["Check"];
  assert.ok(fn);
  return new Promise((resolve, reject) =>
    fn.call(client, { service }, (err, res) => (err ? reject(err) : resolve(String(res?.status)))),
  );
}

void test("health: '', liveness SERVING; readiness follows StateReader.ready()", async () => {
  assert.equal(await check(""), "SERVING");
  assert.equal(await check("liveness"), "SERVING");
  assert.equal(await check("readiness"), "SERVING");
  h.state.isReady = false;
  h.clock.advance(1000); // the periodic re-evaluation
  assert.equal(await check("readiness"), "NOT_SERVING");
  assert.equal(await check("liveness"), "SERVING");
  h.state.isReady = true;
  assert.equal(h.health.ready(), true, "on demand");
  assert.equal(await check("readiness"), "SERVING");
});

void test("health: Watch sees readiness change", async () => {
  type Watch = (req: { service: string }) => grpc.ClientReadableStream<{ status: string }>;
  const watch = (client as unknown as Record<string, Watch>)["Watch"];
  assert.ok(watch);
  const call = watch.call(client, { service: "readiness" });
  const seen: string[] = [];
  const one = new Latch(1);
  const two = new Latch(2);
  call.on("data", (r: { status: string }) => {
    seen.push(r.status);
    one.hit();
    two.hit();
  });
  call.on("error", () => {});
  await one.wait(5000, "current status"); // the first message is the current status
  h.state.isReady = false;
  h.clock.advance(1000);
  await two.wait();
  assert.deepEqual(seen.slice(0, 2), ["SERVING", "NOT_SERVING"]);
  call.cancel();
  h.state.isReady = true;
  h.health.refresh();
});

void test("health: everything NOT_SERVING after shutdown starts", async () => {
  h.health.shutdown();
  for (const s of ["", "liveness", "readiness"]) assert.equal(await check(s), "NOT_SERVING", s);
  assert.equal(h.health.ready(), false);
});
