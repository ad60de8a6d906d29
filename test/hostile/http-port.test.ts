import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { PROTOCOL_VERSION } from "../../src/contract/version.js";
import { scrapeLoop, slowPeers } from "../support/attacks/http-port.js";
import { scrape } from "../support/scrape.js";
import { hostileWorld, TOKEN } from "./harness.js";

// The hub's HTTP port attacked (issue 11 item 9): token holders that never read, upgrades that
// never say hello, half-sent upgrade requests, and /metrics scraped in a loop. Meanwhile the hub
// answers KEDA with the backlog Pulsar has, and the gateway still answers a well-behaved hello.

const w = hostileWorld();

/**
 * A sidecar's hello on a fresh connection; resolves with the hub's answer: the type of its first
 * frame, or the close code if it ended the session (a namespace rule may refuse this hello).
 */
async function answerToHello(): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${w.target.httpPort}/v1/sidecars`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      ws.once("error", reject);
      ws.once("open", () => {
        const hello = {
          v: PROTOCOL_VERSION,
          type: "hello",
          pod: "good",
          namespace: "hostile",
          keys: [],
          sidecarVersion: "0",
        };
        ws.send(JSON.stringify(hello));
      });
      ws.once("message", (data: Buffer) =>
        resolve(String((JSON.parse(data.toString()) as { type: string }).type)),
      );
      ws.once("close", (code) => resolve(`closed ${code}`));
    });
  } finally {
    ws.terminate();
  }
}

void test("slow and never-reading peers on the sidecar endpoint", async () => {
  const n = 100;
  const r = await slowPeers(w.target, n, [w.validKey], async () => {
    await w.assertServing("slow peers (held)");
    // The gateway still upgrades and answers a hello (not 503, not a hang).
    assert.match(await answerToHello(), /^(welcome|closed 4\d{3})$/);
    assert.equal((await scrape(w.target.httpPort)).includes("# HELP pps_sidecars_connected"), true);
  });
  assert.equal(r.outcomes["hello, never reading"], n);
  assert.equal(r.outcomes["no hello"], n);
  assert.equal(r.outcomes["half an upgrade"], n);
  await w.assertServing("slow peers (gone)");
});

void test("/metrics scraped 300 times, 12 at a time, while KEDA calls are answered", async () => {
  const scrapes = scrapeLoop(w.target, 300, 12);
  await w.assertServing("scrapes (during)");
  const r = await scrapes;
  assert.deepEqual(r.outcomes, { "200": 300 });
  await w.assertServing("scrapes");
});
