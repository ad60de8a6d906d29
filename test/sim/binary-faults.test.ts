import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { test } from "node:test";
import { BaseCommand_Type as T } from "../../src/pulsar/binary/generated/pulsar-api.js";
import { makeCerts } from "../support/certs.js";
import { eventually } from "../support/latch.js";
import { withSim } from "./binary-commands.js";
import { BinaryPeer, codec } from "./binary-peer.js";

const connect = { type: T.CONNECT, connect: { client_version: "t", protocol_version: 19 } } as const;

test("/_sim/binary drop closes every open connection; refuse closes new ones before CONNECTED", () =>
  withSim(async (sim, url) => {
    const a = await BinaryPeer.connected(url);
    const b = await BinaryPeer.connected(sim.secondBrokerUrl ?? "");
    assert.deepEqual(await sim.control.binary("drop"), { dropped: 2 });
    await Promise.all([a.closed, b.closed]);
    await sim.control.binary("refuse");
    const refused = await BinaryPeer.open(url);
    refused.send(connect);
    await refused.closed;
    assert.equal(refused.frames.all.length, 0, "nothing answered");
    await sim.control.reset();
    (await BinaryPeer.connected(url)).close();
  }));

test("/_sim/binary hang: accepted links go silent until normal again", () =>
  withSim(async (sim, url) => {
    const lookup = (peer: BinaryPeer, request_id: bigint) =>
      peer.send({ type: T.LOOKUP, lookupTopic: { topic: "persistent://public/default/h", request_id } });
    const answered = (peer: BinaryPeer, request_id: bigint) =>
      peer.frames.next(
        (f) =>
          f.command.type === T.LOOKUP_RESPONSE && f.command.lookupTopicResponse.request_id === request_id,
        5000,
        `lookup ${request_id}`,
      );
    const live = await BinaryPeer.connected(url);
    await sim.control.binary("hang");
    const hung = await BinaryPeer.open(url);
    hung.send(connect);
    lookup(live, 1n);
    const sent =
      codec.encodeCommand(connect).length +
      codec.encodeCommand({
        type: T.LOOKUP,
        lookupTopic: { topic: "persistent://public/default/h", request_id: 1n },
      }).length;
    await eventually(
      async () => (await sim.control.binaryState()).discardedBytes === sent,
      5000,
      "both read and discarded",
    );
    await sim.control.binary("normal");
    // Discarded while hung: the CONNECT and lookup 1. Had the CONNECT been answered, a second one
    // would close the link (a command the broker does not handle once connected).
    hung.send(connect);
    await hung.next(T.CONNECTED);
    lookup(hung, 3n);
    await answered(hung, 3n);
    assert.deepEqual(
      hung.frames.all.map((f) => f.command.type),
      [T.CONNECTED, T.LOOKUP_RESPONSE],
    );
    lookup(live, 2n);
    await answered(live, 2n);
    assert.deepEqual(
      live.frames.all.map((f) => f.command.type),
      [T.CONNECTED, T.LOOKUP_RESPONSE],
      "lookup 1, sent while hung, got nothing (its answer would come before lookup 2's)",
    );
    hung.close();
    live.close();
  }));

test("a frame above max_message_size + 10 KiB, or HTTP sent to the port, closes the link", () =>
  withSim(
    async (_sim, url) => {
      const peer = await BinaryPeer.connected(url);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(1024 + 10 * 1024 + 1, 0);
      peer.socket.write(head);
      await peer.closed;
      const u = new URL(url);
      const http = net.connect(Number(u.port), u.hostname);
      http.on("error", () => undefined);
      http.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await new Promise<void>((resolve) => http.once("close", () => resolve()));
    },
    { binary: { maxMessageSize: 1024 } },
  ));

test("TLS: pulsar+ssl:// with the simulator's certificate, the client certificate's CN as the role", async () => {
  const certs = makeCerts("tls-role");
  const ca = readFileSync(certs.file("ca.pem"));
  await withSim(
    async (sim, url) => {
      assert.match(url, /^pulsar\+ssl:\/\/127\.0\.0\.1:\d+$/);
      const bare = await BinaryPeer.open(url, { tls: { ca } });
      bare.send(connect);
      await bare.next(T.ERROR, "no client certificate: refused");
      const peer = await BinaryPeer.connected(
        url,
        { auth_method_name: "tls" },
        {
          tls: {
            ca,
            cert: readFileSync(certs.file("client.pem")),
            key: readFileSync(certs.file("client.key")),
          },
        },
      );
      peer.send({ type: T.LOOKUP, lookupTopic: { topic: "persistent://public/default/x", request_id: 1n } });
      const r = (await peer.next(T.LOOKUP_RESPONSE)).command;
      assert.ok(r.type === T.LOOKUP_RESPONSE);
      assert.equal(r.lookupTopicResponse.brokerServiceUrlTls, url);
      peer.close();
    },
    {
      tls: {
        cert: readFileSync(certs.file("server.pem")),
        key: readFileSync(certs.file("server.key")),
        ca,
        requireClientCert: true,
      },
    },
  );
});
