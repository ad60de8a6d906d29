import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Health } from "../../src/keda/health.js";
import { startKedaServer, type KedaServer } from "../../src/keda/server.js";
import { createKedaMetrics } from "../../src/keda/service-metrics.js";
import { createKedaService } from "../../src/keda/service.js";
import { createLogger } from "../../src/lib/logger.js";
import { noopMetrics } from "../../src/lib/metrics.js";
import { FakeClock } from "../support/fake-clock.js";
import { FakeStateReader } from "../support/fake-state-reader.js";
import { KedaEmulator } from "../support/keda-emulator.js";
import { CLUSTERS, ref } from "./harness.js";

const dir = mkdtempSync(join(tmpdir(), "pps-tls-"));
const p = (n: string) => join(dir, n);
const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by the CA. */
function makeCerts(): void {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=test-ca",
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.pem"),
  );
  writeFileSync(p("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  for (const who of ["server", "client"]) {
    openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${who}`,
      "-keyout",
      p(`${who}.key`),
      "-out",
      p(`${who}.csr`),
    );
    openssl(
      "x509",
      "-req",
      "-in",
      p(`${who}.csr`),
      "-CA",
      p("ca.pem"),
      "-CAkey",
      p("ca.key"),
      "-CAcreateserial",
      "-days",
      "1",
      "-out",
      p(`${who}.pem`),
      ...(who === "server" ? ["-extfile", p("san.ext")] : []),
    );
  }
}

let server: KedaServer;

before(async () => {
  makeCerts();
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
      metrics: createKedaMetrics(noopMetrics),
    }),
    health: new Health({ state, clock: new FakeClock() }),
    logger,
  });
});
after(() => server.close(1000));

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
