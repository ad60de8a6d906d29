import { connect } from "node:net";
import { Tally, type AttackResult, type AttackTarget } from "./target.js";

/*
 * Bytes that are not valid HTTP/2 on the gRPC port, on raw TCP connections. Each connection sends
 * one payload; the outcome is how the hub refused it (sendOne).
 */

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

function frame(
  type: number,
  flags: number,
  stream: number,
  payload: Buffer,
  length = payload.length,
): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(length, 0, 3);
  h.writeUInt8(type, 3);
  h.writeUInt8(flags, 4);
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

const SETTINGS = frame(0x4, 0, 0, Buffer.alloc(0));
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const END_HEADERS = 0x4;

/** Deterministic junk: the same bytes every run. */
function junk(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** The payloads, by name. */
export const GARBAGE: Readonly<Record<string, () => Buffer>> = {
  /** No preface: 64 KiB of junk. */
  "no preface": () => junk(64 * 1024, 1),
  /** A HEADERS frame announcing 16 MiB, over the 16 KiB SETTINGS_MAX_FRAME_SIZE. */
  "oversized frame": () =>
    Buffer.concat([PREFACE, SETTINGS, frame(HEADERS, 0, 1, junk(16 * 1024, 2), 0xffffff)]),
  /** A SETTINGS frame whose length is not a multiple of 6. */
  "malformed settings": () => Buffer.concat([PREFACE, frame(0x4, 0, 0, junk(7, 3))]),
  /** HEADERS without END_HEADERS, then 256 CONTINUATION frames of 16 KiB junk (4 MiB of header block). */
  "continuation flood": () =>
    Buffer.concat([
      PREFACE,
      SETTINGS,
      frame(HEADERS, 0, 1, junk(1024, 4)),
      ...Array.from({ length: 256 }, (_, i) =>
        frame(CONTINUATION, i === 255 ? END_HEADERS : 0, 1, junk(16_384, 5 + i)),
      ),
    ]),
  /** Valid preface and SETTINGS, then junk frames. */
  "junk frames": () => Buffer.concat([PREFACE, SETTINGS, junk(64 * 1024, 9)]),
};

const H2_ERRORS = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
];

/** The error code of the first GOAWAY frame in `b` (what the server sent), if any. */
function goawayIn(b: Buffer): string | undefined {
  for (let i = 0; i + 9 <= b.length;) {
    const len = b.readUIntBE(i, 3);
    if (b[i + 3] === 0x7 && i + 17 <= b.length) {
      const code = b.readUInt32BE(i + 13);
      return `GOAWAY ${H2_ERRORS[code] ?? code}`;
    }
    i += 9 + len;
  }
  return undefined;
}

/**
 * Sends one payload; resolves with the server's answer: its GOAWAY's error code, "closed" (closed
 * without one), or "ignored" after closeTimeoutMs. The socket is destroyed then: a server that
 * sent GOAWAY still waits for the peer to close (grpc-js on node:http2 does).
 */
function sendOne(target: AttackTarget, payload: Buffer, closeTimeoutMs: number): Promise<string> {
  const [host = "127.0.0.1", port = "0"] = target.grpcAddress.split(":");
  return new Promise((resolve) => {
    const sock = connect(Number(port), host);
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = (how: string) => {
      clearTimeout(timer);
      resolve(how);
      sock.destroy();
    };
    sock.on("error", () => {});
    sock.on("data", (d: Buffer) => {
      got.push(d);
      const goaway = goawayIn(Buffer.concat(got));
      if (goaway !== undefined) done(goaway);
    });
    sock.once("close", () => done("closed"));
    sock.once("connect", () => {
      sock.write(payload);
      timer = setTimeout(() => done("ignored"), closeTimeoutMs);
    });
  });
}

/** Each payload of GARBAGE on `perKind` connections at once; outcomes are `<payload>: <answer>`. */
export async function h2Garbage(
  target: AttackTarget,
  perKind: number,
  closeTimeoutMs = 10_000,
): Promise<AttackResult> {
  const t = new Tally();
  for (const [name, make] of Object.entries(GARBAGE)) {
    const payload = make();
    const runs = Array.from({ length: perKind }, () => sendOne(target, payload, closeTimeoutMs));
    t.sent += perKind;
    for (const how of await Promise.all(runs)) t.add(`${name}: ${how}`);
  }
  return t.result();
}
