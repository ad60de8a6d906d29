/**
 * What pulsar-flex cannot show (test/sim/binary-pulsar-flex.test.ts), against our own client
 * (src/pulsar/binary/arrival-source.ts): TLS, the non-durable tripwire subscription, and the
 * AUTH_CHALLENGE of an expired token answered from a rotated token file.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { systemClock } from "../../src/lib/clock.js";
import { noAuth } from "../../src/pulsar/auth/none.js";
import type { AuthProvider } from "../../src/pulsar/auth/provider.js";
import { fileTokenAuth } from "../../src/pulsar/auth/token.js";
import { BinaryArrivalSource } from "../../src/pulsar/binary/arrival-source.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { signJwt, type RunningSimulator } from "../../src/sim/index.js";
import { makeCerts } from "../support/certs.js";
import { FakeClock } from "../support/fake-clock.js";
import { eventually, Latch } from "../support/latch.js";
import { tempDir } from "../support/temp-dir.js";
import { stats, withSim } from "./binary-commands.js";

/** Arms a tripwire on `local` and resolves once `connected`; `fired` counts arrivals. */
async function armed(
  url: string,
  local: string,
  auth: AuthProvider = noAuth(),
  ca?: Buffer,
): Promise<{ source: BinaryArrivalSource; fired: Latch }> {
  const source = new BinaryArrivalSource({
    serviceUrl: url,
    auth,
    clock: systemClock,
    ...(ca ? { ca } : {}),
  });
  const fired = new Latch(1);
  const connected = new Latch(1);
  source.subscribe(
    parseTopicName(`persistent://public/default/${local}`),
    0,
    () => fired.hit(),
    (s) => {
      if (s.kind === "connected") connected.hit();
    },
  );
  await connected.wait(5000, "tripwire armed");
  return { source, fired };
}

const publish = (sim: RunningSimulator, local: string) => sim.control.publish({ topic: local, count: 1 });

test("our client over pulsar+ssl://: armed and fired through the simulator's TLS listener", async () => {
  const certs = makeCerts();
  const ca = readFileSync(certs.file("ca.pem"));
  await withSim(
    async (sim, url) => {
      assert.match(url, /^pulsar\+ssl:/);
      await publish(sim, "tls-wire");
      const { source, fired } = await armed(url, "tls-wire", noAuth(), ca);
      await publish(sim, "tls-wire");
      await fired.wait(5000, "arrival over TLS");
      await source.close();
    },
    {
      tls: { cert: readFileSync(certs.file("server.pem")), key: readFileSync(certs.file("server.key")), ca },
    },
  );
});

test("the tripwire is a non-durable subscription in the topic stats, gone when it closes", () =>
  withSim(async (sim, url) => {
    await publish(sim, "nd-wire");
    const { source } = await armed(url, "nd-wire");
    const subs = Object.values((await stats(sim, "nd-wire")).subscriptions);
    assert.equal(subs.length, 1);
    assert.equal(subs[0]?.durable, false);
    assert.equal(subs[0]?.consumers.length, 1);
    await source.close();
    assert.deepEqual((await stats(sim, "nd-wire")).subscriptions, {});
  }));

test("an expired token is challenged and answered from the rotated token file: the link stays", async () => {
  const clock = new FakeClock(Date.now());
  const secret = "s3cret";
  const dir = tempDir("pps-binary-token-");
  const file = join(dir, "token");
  const token = (ttlS: number) =>
    signJwt({ sub: "watcher", exp: Math.floor(clock.now() / 1000) + ttlS }, secret);
  writeFileSync(file, token(5));
  await withSim(
    async (sim, url) => {
      await publish(sim, "auth-wire");
      const { source, fired } = await armed(url, "auth-wire", fileTokenAuth(file));
      writeFileSync(file, token(3600));
      clock.advance(10_000); // the check: expired -> AUTH_CHALLENGE -> the file read again
      await eventually(
        async () => (await sim.control.binaryState()).authRefreshes === 1,
        5000,
        "challenge answered",
      );
      // Answered: the next check finds fresh credentials (an unanswered challenge would close the link).
      clock.advance(10_000);
      await publish(sim, "auth-wire");
      await fired.wait(5000, "arrival after the refresh");
      assert.equal(source.counters().connectionsOpened, 1, "never reconnected");
      await source.close();
    },
    {
      clock,
      auth: { mode: "token", secret },
      binary: { authRefreshCheckMs: 10_000, keepAliveMs: 3_600_000 },
    },
  );
});
