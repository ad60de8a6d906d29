import assert from "node:assert/strict";
import { test } from "node:test";
import { hubArgs, sidecarArgs, type StackSettings } from "../../src/demo/children.js";

const s: StackSettings = {
  adminUrl: "http://127.0.0.1:1",
  serviceUrl: "pulsar://127.0.0.1:2",
  namespace: "demo",
  watch: "persistent://public/default/t:s",
  tokenFile: "/tmp/token",
  logDir: "/tmp",
  logLevel: "info",
};

const flagValue = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

void test("hub and sidecar arguments name the simulator, the token file and loopback", () => {
  const hub = hubArgs(s, 0, 0);
  assert.equal(hub[0], "hub");
  assert.equal(flagValue(hub, "--grpc-host"), "127.0.0.1");
  assert.equal(flagValue(hub, "--sidecar-token-file"), "/tmp/token");
  assert.equal(flagValue(hub, "--namespaces"), "demo");
  const sc = sidecarArgs(s, "demo-a", 4321);
  assert.equal(sc[0], "sidecar");
  assert.equal(flagValue(sc, "--hub-url"), "ws://127.0.0.1:4321/v1/sidecars");
  assert.equal(flagValue(sc, "--pod-name"), "demo-a");
  assert.equal(flagValue(sc, "--watch"), s.watch);
  assert.equal(flagValue(sc, "--http-port"), "off");
  // Arrivals over the simulator's binary endpoint, for the hub and every sidecar.
  for (const args of [hub, sc]) {
    assert.equal(flagValue(args, "--pulsar-service-url"), "pulsar://127.0.0.1:2");
    assert.equal(flagValue(args, "--pulsar-arrivals"), "binary");
    assert.equal(args.includes("--pulsar-ws-url"), false);
  }
});
