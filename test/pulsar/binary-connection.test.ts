import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { basicAuth } from "../../src/pulsar/auth/basic.js";
import { noAuth } from "../../src/pulsar/auth/none.js";
import type { AuthProvider } from "../../src/pulsar/auth/provider.js";
import { tlsAuth } from "../../src/pulsar/auth/tls.js";
import { fileTokenAuth } from "../../src/pulsar/auth/token.js";
import { loadPulsarCodec } from "../../src/pulsar/binary/commands.js";
import type { BinaryConnectionOptions } from "../../src/pulsar/binary/connection-options.js";
import { BinaryConnection } from "../../src/pulsar/binary/connection.js";
import { BaseCommand_Type as T, ServerError } from "../../src/pulsar/binary/generated/pulsar-api.js";
import { ProtocolError } from "../../src/pulsar/binary/server-error.js";
import { AuthenticationError, TimeoutError } from "../../src/pulsar/errors.js";
import { makeCerts, type Certs } from "../support/certs.js";
import { FakeClock } from "../support/fake-clock.js";
import { Latch } from "../support/latch.js";
import { errorReply, FakeBroker, U64_MAX } from "./binary-fake-broker.js";

const codec = loadPulsarCodec();
let certs: Certs;
before(() => {
  certs = makeCerts();
});
after(() => rmSync(certs.dir, { recursive: true, force: true }));

function options(
  url: string,
  auth: AuthProvider,
  extra: Partial<BinaryConnectionOptions> = {},
): BinaryConnectionOptions {
  return { url, auth, clock: new FakeClock(), codec, ...extra };
}

const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");

void test("CONNECT: protocol 20, auth refresh on, broker entry metadata off, the raw JWT from a file re-read per connection and per challenge", async () => {
  const broker = await FakeBroker.start();
  const file = join(certs.dir, "token");
  writeFileSync(file, "jwt-one\n");
  const auth = fileTokenAuth(file);
  try {
    const conn = await BinaryConnection.open(options(broker.url, auth));
    const peer = await broker.peers.next();
    assert.equal(peer.connect?.protocol_version, 20);
    assert.equal(peer.connect?.auth_method_name, "token");
    assert.equal(text(peer.connect?.auth_data), "jwt-one");
    assert.deepEqual(peer.connect?.feature_flags, {
      supports_auth_refresh: true,
      supports_broker_entry_metadata: false,
    });
    assert.equal(peer.connect?.proxy_to_broker_url, undefined);

    writeFileSync(file, "jwt-two\n"); // same size: only a re-read (not the stat cache) sees it
    peer.send({
      type: T.AUTH_CHALLENGE,
      authChallenge: {
        server_version: "fake",
        protocol_version: 20,
        challenge: { auth_method_name: "token", auth_data: Buffer.from("PulsarAuthRefresh") },
      },
    });
    const answer = await peer.next(T.AUTH_RESPONSE, "AUTH_RESPONSE");
    assert.equal(answer.type, T.AUTH_RESPONSE);
    if (answer.type !== T.AUTH_RESPONSE) return;
    assert.equal(answer.authResponse.response?.auth_method_name, "token");
    assert.equal(text(answer.authResponse.response?.auth_data), "jwt-two");
    assert.equal(answer.authResponse.protocol_version, 20);
    assert.equal(typeof answer.authResponse.client_version, "string");

    writeFileSync(file, "jwt-333\n");
    const second = await BinaryConnection.open(options(broker.url, auth));
    assert.equal(text((await broker.peers.next()).connect?.auth_data), "jwt-333");
    conn.close();
    second.close();
  } finally {
    await broker.close();
  }
});

void test("CONNECT: basic sends user:password unencoded, none sends no method, OAuth2 sends its access token as token", async () => {
  const broker = await FakeBroker.start();
  const oauth2: AuthProvider = {
    kind: "oauth2",
    headers: () => Promise.resolve({ authorization: "Bearer access-1" }),
  };
  try {
    for (const [auth, method, data] of [
      [basicAuth("scaler", "p:ss"), "basic", "scaler:p:ss"],
      [noAuth(), undefined, undefined],
      [oauth2, "token", "access-1"],
    ] as const) {
      const conn = await BinaryConnection.open(options(broker.url, auth));
      const peer = await broker.peers.next();
      assert.equal(peer.connect?.auth_method_name, method);
      assert.equal(text(peer.connect?.auth_data), data);
      conn.close();
    }
  } finally {
    await broker.close();
  }
});

void test("pulsar+ssl: CA file verified, auth tls sends method tls with no data and the client certificate", async () => {
  const broker = await FakeBroker.start({
    tls: {
      key: readFileSync(certs.file("server.key")),
      cert: readFileSync(certs.file("server.pem")),
      ca: readFileSync(certs.file("ca.pem")),
      requestCert: true,
      rejectUnauthorized: true,
    },
  });
  try {
    const auth = tlsAuth(certs.file("client.pem"), certs.file("client.key"));
    const conn = await BinaryConnection.open(
      options(broker.url, auth, { ca: readFileSync(certs.file("ca.pem")) }),
    );
    const peer = await broker.peers.next();
    assert.equal(peer.connect?.auth_method_name, "tls");
    assert.equal(peer.connect?.auth_data, undefined);
    assert.equal((peer.socket as TLSSocket).getPeerCertificate().subject?.CN, "scaler-role");
    conn.close();
    // Without the CA the broker's certificate is refused.
    await assert.rejects(BinaryConnection.open(options(broker.url, auth)), /connection failed/);
  } finally {
    await broker.close();
  }
});

void test("CONNECT refused (ERROR AuthenticationError, request_id 2^64-1): open rejects with AuthenticationError naming the server error", async () => {
  const broker = await FakeBroker.start();
  broker.script.connect = () =>
    errorReply(U64_MAX, ServerError.AuthenticationError, "Unable to authenticate");
  try {
    await assert.rejects(
      BinaryConnection.open(options(broker.url, noAuth())),
      (err: unknown) =>
        err instanceof AuthenticationError && /AuthenticationError: Unable to authenticate/.test(err.message),
    );
  } finally {
    await broker.close();
  }
});

void test("keepalive: PING answered with PONG at once; our PINGs every interval; a broker that answers none is dropped after two", async () => {
  const broker = await FakeBroker.start();
  const clock = new FakeClock();
  try {
    const conn = await BinaryConnection.open(
      options(broker.url, noAuth(), { clock, timing: { pingIntervalMs: 30_000 } }),
    );
    const closed = new Latch();
    let why: Error | undefined;
    conn.on("close", (err) => {
      why = err;
      closed.hit();
    });
    const peer = await broker.peers.next();
    peer.send({ type: T.PING, ping: {} });
    await peer.next(T.PONG, "PONG to the broker's PING");

    clock.advance(30_000);
    await peer.next(T.PING, "first PING");
    // The PONG the fake answered is read before this PING's PONG: the client has seen it.
    peer.send({ type: T.PING, ping: {} });
    await peer.next(T.PONG);
    clock.advance(30_000);
    await peer.next(T.PING, "second PING (the first was answered)");
    assert.equal(conn.closed, false);

    peer.answerPings = false;
    peer.send({ type: T.PING, ping: {} }); // the broker's own PINGs prove nothing
    await peer.next(T.PONG);
    clock.advance(30_000);
    await peer.next(T.PING, "third PING, unanswered");
    peer.send({ type: T.PING, ping: {} });
    await peer.next(T.PONG);
    clock.advance(30_000);
    await closed.wait(5000, "dropped");
    assert.ok(why instanceof TimeoutError, String(why));
    assert.match(why.message, /broker silent for 60000 ms/);
  } finally {
    await broker.close();
  }
});

void test("frames: CONNECTED.max_message_size sets the limit (+10 KiB); a bigger frame or HTTP bytes close with a ProtocolError", async () => {
  const broker = await FakeBroker.start();
  broker.script.connect = (c) => broker.connected(c.protocol_version ?? 0, 1000);
  try {
    const conn = await BinaryConnection.open(options(broker.url, noAuth()));
    assert.equal(conn.features.maxFrameSize, 1000 + 10 * 1024);
    assert.equal(conn.features.partitionedMetadataWithoutAutoCreation, true);
    assert.equal(conn.features.protocolVersion, 20);
    const closed = new Promise<Error>((resolve) => conn.once("close", resolve));
    const peer = await broker.peers.next();
    const big = Buffer.alloc(8);
    big.writeUInt32BE(1000 + 10 * 1024 + 1, 0);
    peer.raw(big);
    const err = await closed;
    assert.ok(err instanceof ProtocolError, String(err));
    assert.match(err.message, /exceeds the 11240-byte limit/);

    const conn2 = await BinaryConnection.open(options(broker.url, noAuth()));
    const closed2 = new Promise<Error>((resolve) => conn2.once("close", resolve));
    (await broker.peers.next()).raw(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n"));
    assert.match((await closed2).message, /not a Pulsar binary peer/);
  } finally {
    await broker.close();
  }
});

void test("requests: ids are per connection, replies matched by id, ERROR rejects with its class, no reply times out", async () => {
  const broker = await FakeBroker.start();
  const clock = new FakeClock();
  broker.script.lookup = (topic, _a, id) =>
    topic === "silent" ? "silence" : errorReply(id, ServerError.TopicNotFound, `no ${topic}`);
  try {
    const a = await BinaryConnection.open(
      options(broker.url, noAuth(), { clock, timing: { requestTimeoutMs: 1000 } }),
    );
    const b = await BinaryConnection.open(options(broker.url, noAuth(), { clock }));
    assert.deepEqual([a.newConsumerId(), a.newConsumerId(), b.newConsumerId()], [0n, 1n, 0n]);
    const lookup = (c: BinaryConnection, topic: string) =>
      c.request((request_id) => ({ type: T.LOOKUP, lookupTopic: { topic, request_id } }));
    await assert.rejects(lookup(a, "x"), /TopicNotFound: no x/);
    await assert.rejects(lookup(b, "y"), /TopicNotFound: no y/);
    const pa = broker.peers.all[0];
    const pb = broker.peers.all[1];
    const ids = (p: typeof pa) =>
      p?.received.all.flatMap((c) => (c.type === T.LOOKUP ? [c.lookupTopic.request_id] : [])) ?? [];
    assert.deepEqual([ids(pa), ids(pb)], [[0n], [0n]]);
    const silent = lookup(a, "silent");
    await pa?.next(T.LOOKUP);
    await pa?.next(T.LOOKUP);
    clock.advance(1000);
    await assert.rejects(
      silent,
      (err: unknown) => err instanceof TimeoutError && /no reply to LOOKUP/.test(err.message),
    );
    // A late ERROR to the timed-out request is dropped; the connection and its consumers stay.
    pa?.send(errorReply(1n, ServerError.ServiceNotReady, "late"));
    await assert.rejects(lookup(a, "z"), /TopicNotFound: no z/);
    assert.equal(a.closed, false);
    a.close();
    b.close();
  } finally {
    await broker.close();
  }
});

void test("OAuth2: a valid access token is reused for a new connection, an AUTH_CHALLENGE fetches a fresh one", async () => {
  const broker = await FakeBroker.start();
  let token = 1;
  let invalidated = 0;
  const oauth2: AuthProvider = {
    kind: "oauth2",
    headers: () => Promise.resolve({ authorization: `Bearer access-${token}` }),
    invalidate: () => {
      invalidated++;
      token++;
    },
  };
  try {
    const conn = await BinaryConnection.open(options(broker.url, oauth2));
    const peer = await broker.peers.next();
    assert.equal(text(peer.connect?.auth_data), "access-1");
    assert.equal(invalidated, 0);
    peer.send({ type: T.AUTH_CHALLENGE, authChallenge: { challenge: { auth_method_name: "token" } } });
    const answer = await peer.next(T.AUTH_RESPONSE);
    assert.equal(
      answer.type === T.AUTH_RESPONSE && text(answer.authResponse.response?.auth_data),
      "access-2",
    );
    assert.equal(invalidated, 1);
    conn.close();
  } finally {
    await broker.close();
  }
});
