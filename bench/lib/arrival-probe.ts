/**
 * A watcher's arrival side alone, in its own process so that its CPU can be read from /proc:
 * `arrival-probe.ts <binary|websocket|reader> <serviceUrl> <wsUrl> <topic>`. It arms one
 * subscription on the topic, logs `probe armed` once connected, `probe arrival` for the first
 * message, and on SIGTERM logs `probe stats` (messages received) and exits. It never re-arms: the
 * key stays active, as it does while its backlog is above the activation threshold.
 * `reader` is the whole-topic WebSocket reader of before the tripwire (receiverQueueSize 1000,
 * every message acknowledged), built here from a plain WebSocket.
 */
import { WebSocket } from "ws";
import { systemClock } from "../../src/lib/clock.js";
import { ArrivalStream } from "../../src/pulsar/arrival-stream.js";
import { noAuth } from "../../src/pulsar/auth/none.js";
import { BinaryArrivalSource } from "../../src/pulsar/binary/arrival-source.js";
import type { ArrivalSource } from "../../src/pulsar/ports.js";
import { parseTopicName, topicPath } from "../../src/pulsar/topic-name.js";

type Transport = "binary" | "websocket" | "reader";

interface Counts {
  messages: number;
}

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ msg, ...fields })}\n`);

/** The old reader: every message of the topic comes, each acknowledged to keep them coming. */
function startReader(wsUrl: string, topic: string, counts: Counts): () => void {
  const ws = new WebSocket(`${wsUrl}/ws/v2/reader/${topicPath(parseTopicName(topic))}?messageId=latest`, {
    perMessageDeflate: false,
  });
  let armed = false;
  ws.on("open", () => {
    armed = true;
    log("probe armed");
  });
  ws.on("message", (data: Buffer) => {
    counts.messages++;
    const frame = JSON.parse(data.toString("utf8")) as { messageId?: string };
    if (counts.messages === 1) log("probe arrival");
    if (frame.messageId !== undefined) ws.send(JSON.stringify({ messageId: frame.messageId }));
  });
  ws.on("error", (err) => log("probe error", { error: String(err), armed }));
  return () => ws.terminate();
}

function startSource(source: ArrivalSource, topic: string, counts: Counts): void {
  let armedOnce = false;
  source.subscribe(
    parseTopicName(topic),
    0,
    () => {
      counts.messages++;
      if (counts.messages === 1) log("probe arrival");
    },
    (s) => {
      if (s.kind === "connected" && !armedOnce) {
        armedOnce = true;
        log("probe armed");
      }
    },
  );
}

function main(): void {
  const [transport, serviceUrl, wsUrl, topic] = process.argv.slice(2) as [Transport, string, string, string];
  const counts: Counts = { messages: 0 };
  let stats: () => Record<string, number> = () => ({ ...counts });
  let stop = () => undefined as void;
  if (transport === "reader") stop = startReader(wsUrl, topic, counts);
  else if (transport === "binary") {
    const source = new BinaryArrivalSource({ serviceUrl, auth: noAuth(), clock: systemClock });
    startSource(source, topic, counts);
    stats = () => {
      const c = source.counters();
      return { messages: c.messagesReceived, wireBytes: c.bytesReceived };
    };
  } else {
    const cluster = {
      name: "bench",
      adminUrl: "",
      wsUrl,
      auth: { kind: "none" as const },
      arrivals: "websocket" as const,
      requestTimeoutMs: 5000,
    };
    startSource(new ArrivalStream(cluster, { clock: systemClock, auth: noAuth() }), topic, counts);
  }
  // A fired WebSocket tripwire holds no socket: keep the process up until SIGTERM.
  const alive = setInterval(() => undefined, 60_000);
  process.once("SIGTERM", () => {
    clearInterval(alive);
    stop();
    // stdout is a pipe (asynchronous): exit once the line is out.
    process.stdout.write(`${JSON.stringify({ msg: "probe stats", ...stats() })}\n`, () => process.exit(0));
  });
}

main();
