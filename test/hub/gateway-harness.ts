import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/lib/logger.js";
import type { WatchKey } from "../../src/state/key.js";
import type { Observation } from "../../src/state/observation.js";
import type { HelloFrame } from "../../src/contract/frames.js";
import { SidecarGateway, type GatewayOptions } from "../../src/hub/gateway.js";
import type {
  ArrivalReport,
  SessionEnd,
  SidecarHandler,
  SidecarSession,
} from "../../src/hub/gateway-types.js";
import { FrameQueue } from "../support/frame-queue.js";

export type HandlerEvent =
  | { kind: "joined"; session: SidecarSession; hello: HelloFrame }
  | { kind: "observation"; session: SidecarSession; key: WatchKey; observation: Observation }
  | { kind: "arrival"; session: SidecarSession; key: WatchKey; arrival: ArrivalReport }
  | { kind: "error"; session: SidecarSession; key: WatchKey; errorClass: string; message: string }
  | { kind: "heartbeat"; session: SidecarSession; sentAt: number }
  | { kind: "left"; session: SidecarSession; end: SessionEnd };

/** A SidecarHandler that records every call; optionally grants every announced key on join. */
export class RecordingHandler implements SidecarHandler {
  readonly events = new FrameQueue<HandlerEvent>();
  constructor(private readonly grantOnJoin = false) {}
  joined(session: SidecarSession, hello: HelloFrame): void {
    if (this.grantOnJoin) for (const k of session.keys) session.grant(k);
    this.events.push({ kind: "joined", session, hello });
  }
  observation(session: SidecarSession, key: WatchKey, observation: Observation): void {
    this.events.push({ kind: "observation", session, key, observation });
  }
  arrival(session: SidecarSession, key: WatchKey, arrival: ArrivalReport): void {
    this.events.push({ kind: "arrival", session, key, arrival });
  }
  error(session: SidecarSession, key: WatchKey, errorClass: string, message: string): void {
    this.events.push({ kind: "error", session, key, errorClass, message });
  }
  heartbeat(session: SidecarSession, sentAt: number): void {
    this.events.push({ kind: "heartbeat", session, sentAt });
  }
  left(session: SidecarSession, end: SessionEnd): void {
    this.events.push({ kind: "left", session, end });
  }
  /** The next event of `kind` (optionally for one session). */
  async next<K extends HandlerEvent["kind"]>(
    kind: K,
    session?: string,
  ): Promise<Extract<HandlerEvent, { kind: K }>> {
    const e = await this.events.next(
      (x) => x.kind === kind && (!session || x.session.id === session),
      5000,
      kind,
    );
    return e as Extract<HandlerEvent, { kind: K }>;
  }
}

export interface Harness {
  readonly server: Server;
  readonly gateway: SidecarGateway;
  readonly handler: RecordingHandler;
  readonly url: string;
  /** Everything the gateway logged (JSON lines). */
  readonly logs: string[];
  close(): Promise<void>;
}

export const TOKEN = "s3cr3t-token-value";

export async function startGateway(
  options: Partial<GatewayOptions> = {},
  grantOnJoin = true,
): Promise<Harness> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger: Logger = createLogger("debug", sink);
  const handler = new RecordingHandler(grantOnJoin);
  const server = createServer((_req, res) => res.writeHead(404).end());
  const tokens = () => [{ token: TOKEN, namespaces: "all" as const }];
  const gateway = new SidecarGateway(server, { tokens, handler, logger, ...options });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/sidecars`;
  return {
    server,
    gateway,
    handler,
    url,
    logs,
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const key = (subscription = "workers", topic = "persistent://public/default/orders"): WatchKey => ({
  cluster: "local",
  topic,
  subscription,
});

export const observation: Observation = {
  msgBacklog: 5,
  msgBacklogNoDelayed: 5,
  unackedMessages: 0,
  msgRateIn: 1,
  msgRateOut: 1,
  consumers: 1,
  partitions: 0,
  observedAt: 1_700_000_000_000,
};
