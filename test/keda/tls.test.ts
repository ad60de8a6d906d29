import { Registry } from "prom-client";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Health } from "../../src/keda/health.js";
import { startKedaServer, type KedaServer } from "../../src/keda/server.js";
import { createKedaMetrics } from "../../src/keda/service-metrics.js";
import { createKedaService } from "../../src/keda/service.js";
import { createLogger } from "../../src/lib/logger.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeStateReader } from "../support/fake-state-reader.js";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { makeCerts } from "../support/certs.js";
import { CLUSTERS, ref } from "./harness.js";

const certs = makeCerts("client");
const p = (n: string) => certs.file(n);

let server: KedaServer;

before(async () => {
  const state = new FakeStateReader();
  const logger = createLogger("silent");
  server = await startKedaServer({
    host: "127.0.0.1",
    port: 0,
    tls: { certFile: p("server.pem"), keyFile: p("server.key"), clientCaFile: p("ca.pem") },
    service: createKedaService({
      state,
      clusters: CLUSTERS,
      servedNamespaces: "all",
      logger,
      metrics: createKedaMetrics(new Registry()),
    }),
    health: new Health({ state, clock: new FakeClock() }),
    logger,
  });
});
after(async () => {
  await server.close(1000);
  rmSync(certs.dir, { recursive: true, force: true });
});

void test("TLS with required client certificates: a client with a CA-signed certificate is served", async () => {
  const creds = grpc.credentials.createSsl(
    readFileSync(p("ca.pem")),
    readFileSync(p("client.key")),
    readFileSync(p("client.pem")),
  );
  const keda = new KedaEmulator({ address: `localhost:${server.port}`, credentials: creds });
  try {
    const spec = await keda.getMetricSpec(ref());
    assert.equal(spec.metricSpecs.length, 1);
  } finally {
    keda.close();
  }
});

void test("TLS with required client certificates: a client without one is refused", async () => {
  const keda = new KedaEmulator({
    address: `localhost:${server.port}`,
    credentials: grpc.credentials.createSsl(readFileSync(p("ca.pem"))),
  });
  try {
    await assert.rejects(keda.getMetricSpec(ref()), (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.UNAVAILABLE);
      return true;
    });
  } finally {
    keda.close();
  }
});
