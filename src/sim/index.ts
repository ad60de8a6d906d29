import https from "node:https";
import type { AddressInfo } from "node:net";
import { systemClock, type Clock } from "../lib/clock.js";
import { createLogger, type Logger } from "../lib/logger.js";
import { loadPulsarCodec } from "../pulsar/binary/commands.js";
import { BinaryAuthenticator } from "./binary/auth.js";
import { BinaryEndpoint } from "./binary/endpoint.js";
import { SimControl, type FetchLike } from "./control.js";
import { Authenticator, Authorizer } from "./http/auth.js";
import { ControlRoutes } from "./http/control.js";
import { ControlState } from "./http/faults.js";
import { createSimServer } from "./http/server.js";
import { Broker } from "./model/broker.js";
import type { AuthOptions, BinaryOptions, SimulatorOptions, TlsOptions } from "./options.js";
import { WebSocketGateway } from "./ws/gateway.js";

export type {
  AuthOptions,
  AuthMode,
  BinaryOptions,
  SimulatorOptions,
  TlsOptions,
  TopicRoleRule,
} from "./options.js";
export { SimControl, SimControlError } from "./control.js";
export type { FaultKind, FaultSpec, PublishRequest, RedirectSpec, RequestCounts } from "./control.js";
export { signJwt, verifyJwt, type JwtClaims } from "./jwt.js";

export interface RunningSimulator {
  readonly port: number;
  /** `http://127.0.0.1:PORT` (https with TLS). */
  readonly adminUrl: string;
  /** `ws://127.0.0.1:PORT` (wss with TLS). */
  readonly wsUrl: string;
  /** `pulsar://127.0.0.1:PORT` (`pulsar+ssl://` with TLS): the binary endpoint; undefined when off. */
  readonly serviceUrl: string | undefined;
  /** The second simulated broker, owner of the topics `control.binaryOwner` moves to it. */
  readonly secondBrokerUrl: string | undefined;
  readonly control: SimControl;
  /** Stops listening and terminates every connection. Idempotent. */
  close(): Promise<void>;
}

/** A fetch for the control API over TLS, trusting the simulator's own certificate. */
function tlsFetch(tls: TlsOptions): FetchLike {
  const ca = [tls.cert, ...(tls.ca !== undefined ? [tls.ca] : [])];
  return (url, init) =>
    new Promise((resolve, reject) => {
      const req = https.request(
        url,
        { method: init.method, headers: init.headers, ca, checkServerIdentity: () => undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, text: () => Promise.resolve(text) });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(init.body);
    });
}

interface BinaryShared {
  readonly host: string;
  readonly urlHost: string;
  readonly broker: Broker;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly auth: AuthOptions;
  readonly authorizer: Authorizer;
}

/** The binary endpoint's two brokers, with the simulator's auth and TLS. */
function startBinary(o: SimulatorOptions, b: BinaryOptions, x: BinaryShared): Promise<BinaryEndpoint> {
  return BinaryEndpoint.start(
    { host: x.host, urlHost: x.urlHost, ports: [b.port ?? 0, b.secondPort ?? 0], tls: o.tls },
    {
      broker: x.broker,
      clock: x.clock,
      logger: x.logger,
      codec: loadPulsarCodec(),
      authenticator: new BinaryAuthenticator(x.auth, x.clock, o.tls?.requireClientCert === true),
      authorizer: x.authorizer,
      limits: {
        keepAliveMs: b.keepAliveMs ?? 30_000,
        authRefreshCheckMs: b.authRefreshCheckMs ?? 60_000,
        maxMessageSize: b.maxMessageSize ?? 5 * 1024 * 1024,
      },
    },
  );
}

/** Starts the Pulsar simulator on one port: admin REST, WebSocket API, OAuth2 stand-in, `/_sim` control. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const clock = opts.clock ?? systemClock;
  const logger = (opts.logger ?? createLogger("silent")).child({ component: "sim" });
  const host = opts.host ?? "127.0.0.1";
  const auth = opts.auth ?? { mode: "none" };
  const broker = new Broker({
    clock,
    statsWindowMs: opts.statsWindowMs ?? 60_000,
    backlogQuotaCheckMs: opts.backlogQuotaCheckMs ?? 60_000,
  });
  const control = new ControlState();
  const authenticator = new Authenticator(auth, clock, opts.tls?.requireClientCert === true);
  const authorizer = new Authorizer(opts.authorization);
  const gateway = new WebSocketGateway({
    broker,
    clock,
    logger,
    control,
    authenticator,
    authorizer,
    enabled: opts.websocket ?? true,
  });
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const binary =
    opts.binary === false
      ? undefined
      : await startBinary(opts, opts.binary ?? {}, {
          host,
          urlHost,
          broker,
          clock,
          logger,
          auth,
          authorizer,
        });
  const controlRoutes = new ControlRoutes(control, broker, gateway, binary);
  let port = 0;
  const server = createSimServer({
    broker,
    control,
    controlRoutes,
    gateway,
    authenticator,
    authorizer,
    auth,
    tls: opts.tls,
    clock,
    logger,
    brokerName: () => `${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${port}`,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const adminUrl = `${opts.tls ? "https" : "http"}://${urlHost}:${port}`;
  const wsUrl = `${opts.tls ? "wss" : "ws"}://${urlHost}:${port}`;
  logger.debug({ adminUrl }, "simulator listening");
  let closing: Promise<void> | undefined;
  return {
    port,
    adminUrl,
    wsUrl,
    serviceUrl: binary?.serviceUrl,
    secondBrokerUrl: binary?.secondBrokerUrl,
    control: new SimControl(adminUrl, opts.tls ? { fetch: tlsFetch(opts.tls) } : {}),
    close() {
      closing ??= (async () => {
        try {
          gateway.close();
        } catch (err) {
          logger.warn({ err }, "closing websocket sessions failed");
        }
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.all([done, binary?.close()]);
        try {
          broker.close();
        } catch (err) {
          logger.warn({ err }, "closing topics failed");
        }
      })();
      return closing;
    },
  };
}
