import net, { type AddressInfo, type Server, type Socket } from "node:net";
import tls from "node:tls";
import type { Broker } from "../model/broker.js";
import { fullName, parseTopic, partitionTopic } from "../model/names.js";
import type { TlsOptions } from "../options.js";
import { BinaryConnection } from "./connection.js";
import type { ConnectionDeps, EndpointCounters } from "./context.js";
import { BrokerRouting, type SimBroker } from "./routing.js";

/** `normal`, `refuse` (accepted and closed at once), `hang` (accepted, then silence). */
export type BinaryMode = "normal" | "refuse" | "hang";

export interface BinaryState {
  readonly mode: BinaryMode;
  readonly connections: number;
  /** Bytes hung connections read and discarded. */
  readonly discardedBytes: number;
  /** AUTH_CHALLENGEs sent, and answers that renewed the credentials. */
  readonly authChallenges: number;
  readonly authRefreshes: number;
}

/** What the control API changes on the binary endpoint (`/_sim/binary...`). */
export interface BinaryControl {
  state(): BinaryState;
  setMode(mode: BinaryMode): void;
  /** Closes every binary connection now (a broker restart, a network cut). */
  dropAll(): number;
  /** Topics matching the pattern move to the second broker (lookups redirect there). */
  addSecondOwner(topicPattern: string): void;
  setProxy(proxy: boolean): void;
  /** CLOSE_CONSUMER/CLOSE_PRODUCER to everything on the topic (every partition); lookup ServiceNotReady once. */
  unload(topic: string): number;
  reset(): void;
}

export interface BinaryEndpointOptions {
  readonly host: string;
  readonly urlHost: string;
  readonly ports: readonly [number, number];
  readonly tls: TlsOptions | undefined;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * The simulator's binary protocol: two simulated brokers, each its own listener, over the same
 * model as the admin and WebSocket APIs. The first is the service URL; the second owns the topics
 * the control API gives it, so lookups can redirect and clients can be sent through a proxy.
 */
export class BinaryEndpoint implements BinaryControl {
  private readonly connections = new Set<BinaryConnection>();
  private readonly sockets = new Set<Socket>();
  private mode: BinaryMode = "normal";

  private constructor(
    private readonly servers: readonly [Server, Server],
    readonly routing: BrokerRouting,
    private readonly broker: Broker,
    private readonly counters: EndpointCounters,
  ) {}

  static async start(
    o: BinaryEndpointOptions,
    deps: Omit<ConnectionDeps, "routing" | "counters">,
  ): Promise<BinaryEndpoint> {
    const make = () =>
      o.tls
        ? tls.createServer({
            cert: o.tls.cert,
            key: o.tls.key,
            ...(o.tls.ca !== undefined ? { ca: o.tls.ca } : {}),
            requestCert: o.tls.requireClientCert === true || o.tls.ca !== undefined,
            // Checked at CONNECT by the authenticator, as on the web port.
            rejectUnauthorized: false,
          })
        : net.createServer();
    const servers = [make(), make()] as const;
    const scheme = o.tls ? "pulsar+ssl" : "pulsar";
    const brokers: SimBroker[] = [];
    for (const [i, server] of servers.entries()) {
      const port = await listen(server, o.ports[i] ?? 0, o.host);
      const hostPort = `${o.urlHost}:${port}`;
      brokers.push({ index: i === 0 ? 0 : 1, hostPort, url: `${scheme}://${hostPort}` });
    }
    const routing = new BrokerRouting(brokers as [SimBroker, SimBroker]);
    const counters: EndpointCounters = { authChallenges: 0, authRefreshes: 0 };
    const endpoint = new BinaryEndpoint(servers, routing, deps.broker, counters);
    const full: ConnectionDeps = { ...deps, routing, counters };
    servers.forEach((server, i) => {
      const self = brokers[i] as SimBroker;
      server.on(o.tls ? "secureConnection" : "connection", (socket: Socket) =>
        endpoint.accept(socket, self, full),
      );
      if (o.tls) server.on("tlsClientError", () => undefined);
    });
    return endpoint;
  }

  get serviceUrl(): string {
    return this.routing.brokers[0].url;
  }

  get secondBrokerUrl(): string {
    return this.routing.brokers[1].url;
  }

  state(): BinaryState {
    let discardedBytes = 0;
    for (const c of this.connections) discardedBytes += c.discarded;
    return { mode: this.mode, connections: this.connections.size, discardedBytes, ...this.counters };
  }

  setMode(mode: BinaryMode): void {
    this.mode = mode;
    for (const c of this.connections) c.freeze(mode === "hang");
  }

  dropAll(): number {
    const n = this.sockets.size;
    for (const s of [...this.sockets]) s.destroy();
    return n;
  }

  addSecondOwner(topicPattern: string): void {
    this.routing.addSecondOwner(topicPattern);
  }

  setProxy(proxy: boolean): void {
    this.routing.proxy = proxy;
  }

  unload(topic: string): number {
    const name = parseTopic(topic);
    const n = this.broker.partitionCount(name) ?? 0;
    const names = new Set([fullName(name)]);
    for (let i = 0; i < n; i++) names.add(fullName(partitionTopic(name, i)));
    for (const t of names) this.routing.markUnloaded(t);
    let closed = 0;
    for (const c of this.connections) closed += c.unload(names);
    return closed;
  }

  reset(): void {
    this.routing.reset();
    this.setMode("normal");
  }

  async close(): Promise<void> {
    const done = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    this.dropAll();
    await Promise.all(done);
  }

  private accept(socket: Socket, self: SimBroker, deps: ConnectionDeps): void {
    socket.on("error", () => socket.destroy());
    if (this.mode === "refuse") return void socket.destroy();
    this.sockets.add(socket);
    const connection = new BinaryConnection(deps, socket, self, this.mode === "hang");
    this.connections.add(connection);
    socket.on("close", () => {
      this.sockets.delete(socket);
      this.connections.delete(connection);
    });
  }
}
