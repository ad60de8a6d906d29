import { connect, constants, type ClientHttp2Session } from "node:http2";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { KedaEmulator } from "../../../src/keda/keda-emulator.js";
import type { IsActiveResponse, ScaledObjectRef } from "../../../src/keda/messages.js";
import { Latch } from "../latch.js";
import { codeName, Tally, type AttackResult, type AttackTarget } from "./target.js";

/*
 * Stream attacks on the gRPC port (issue 11 items 2 and 9): more streams than --max-streams, rapid
 * reset (HEADERS then RST_STREAM), and streams that send HEADERS but never their request message,
 * opened by the thousand and cut with their connection.
 */

const STREAM_PATH = "/externalscaler.ExternalScaler/StreamIsActive";

/**
 * Opens `count` StreamIsActive streams for `ref` on one connection, waits until `expectRefused`
 * of them ended RESOURCE_EXHAUSTED (the ones over --max-streams), then cancels them all.
 */
export async function streamFlood(
  target: AttackTarget,
  ref: ScaledObjectRef,
  count: number,
  expectRefused: number,
  timeoutMs = 15_000,
): Promise<AttackResult> {
  const keda = new KedaEmulator({ address: target.grpcAddress });
  const t = new Tally();
  const refused = new Latch(expectRefused);
  const calls: ClientReadableStream<IsActiveResponse>[] = [];
  type StreamFn = (req: ScaledObjectRef) => ClientReadableStream<IsActiveResponse>;
  const open = (keda.client as unknown as Record<string, StreamFn>)["StreamIsActive"]!;
  try {
    for (let i = 0; i < count; i++) {
      t.sent++;
      const call = open.call(keda.client, ref);
      call.on("data", () => {});
      call.on("error", (err) => {
        const code = codeName(err);
        if (code === "CANCELLED") return;
        t.add(code);
        if (code === "RESOURCE_EXHAUSTED") refused.hit();
      });
      calls.push(call);
    }
    await refused.wait(timeoutMs, "streams over --max-streams refused");
    t.add("held", count - t.get("RESOURCE_EXHAUSTED"));
  } finally {
    for (const c of calls) c.cancel();
    keda.close();
  }
  return t.result();
}

function session(target: AttackTarget): Promise<ClientHttp2Session> {
  const s = connect(`http://${target.grpcAddress}`);
  return new Promise((resolve, reject) => {
    s.once("remoteSettings", () => resolve(s));
    s.once("error", reject);
  });
}

/** A ping round trip: every frame sent before it has been read by the server. */
function roundTrip(s: ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) => {
    s.ping((err) => (err ? reject(err) : resolve()));
  });
}

function grpcHeaders() {
  return {
    ":method": "POST",
    ":path": STREAM_PATH,
    "content-type": "application/grpc",
    te: "trailers",
  };
}

/**
 * Rapid reset (CVE-2023-44487): `count` times HEADERS then RST_STREAM(CANCEL) at once, in bursts of
 * 100 on one connection. Outcomes: `reset` per stream sent; `goaway` if the hub ended the session.
 */
export async function rapidReset(target: AttackTarget, count: number): Promise<AttackResult> {
  const t = new Tally();
  const s = await session(target);
  let ended = false;
  s.on("goaway", () => (ended = true));
  s.on("error", () => (ended = true));
  s.on("close", () => (ended = true));
  try {
    for (let i = 0; i < count && !ended; i += 100) {
      for (let j = i; j < Math.min(count, i + 100) && !ended; j++) {
        t.sent++;
        const req = s.request(grpcHeaders(), { endStream: false });
        req.on("error", () => {});
        req.close(constants.NGHTTP2_CANCEL);
        t.add("reset");
      }
      if (!ended) await roundTrip(s).catch(() => (ended = true));
    }
  } finally {
    if (ended) t.add("goaway");
    s.destroy();
  }
  return t.result();
}

/**
 * `connections` connections with `perConnection` streams each that send HEADERS and never their
 * request message (grpc-js has not called a handler for them, so --max-streams does not count
 * them), held until the server has read them all, then cut by destroying the connections.
 */
export async function halfOpenStreams(
  target: AttackTarget,
  connections: number,
  perConnection: number,
): Promise<AttackResult> {
  const t = new Tally();
  const sessions: ClientHttp2Session[] = [];
  try {
    for (let c = 0; c < connections; c++) {
      const s = await session(target);
      sessions.push(s);
      s.on("error", () => {});
      for (let i = 0; i < perConnection; i++) {
        t.sent++;
        const req = s.request(grpcHeaders(), { endStream: false });
        req.on("error", () => t.add("stream error"));
      }
      await roundTrip(s);
      t.add("held", perConnection);
    }
  } finally {
    for (const s of sessions) s.destroy();
  }
  return t.result();
}
