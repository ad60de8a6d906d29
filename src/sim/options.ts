import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";

/** How the simulator authenticates admin requests and WebSocket upgrades. */
export type AuthOptions =
  | { readonly mode: "none" }
  /** HS256 JWTs signed with `secret` (`Authorization: Bearer`, or `?token=` on WebSocket). */
  | { readonly mode: "token"; readonly secret: string }
  /** `Authorization: Basic base64(user:password)` against a user -> password map. */
  | { readonly mode: "basic"; readonly users: Readonly<Record<string, string>> }
  /**
   * An OAuth2 issuer on the same server (`/.well-known/openid-configuration`, `POST /oauth/token`)
   * issuing HS256 JWTs signed with `secret`; admin and WebSocket accept them as Bearer tokens.
   */
  | {
      readonly mode: "oauth2";
      readonly secret: string;
      readonly clientId: string;
      readonly clientSecret: string;
      /** Default 3600. */
      readonly expiresInSeconds?: number;
    };

export type AuthMode = AuthOptions["mode"];

/** Serve https/wss; optionally require a client certificate signed by `ca`. PEM contents. */
export interface TlsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca?: string | Buffer;
  readonly requireClientCert?: boolean;
}

/** Topics whose name matches `topicPattern` (substring or /regex/) are open only to `roles`. */
export interface TopicRoleRule {
  readonly topicPattern: string;
  readonly roles: readonly string[];
}

/** The binary protocol endpoint (`pulsar://`, or `pulsar+ssl://` with `tls`). */
export interface BinaryOptions {
  /** Port of the service URL (the first broker). Default 0 (any free port). */
  readonly port?: number;
  /** Port of the second simulated broker, which owns the topics `/_sim/binary/owner` gives it. Default 0. */
  readonly secondPort?: number;
  /** Keepalive tick: PING when idle, close when a PING went unanswered. Default 30000 (Pulsar's 30 s). */
  readonly keepAliveMs?: number;
  /** How often token expiry is checked (`authenticationRefreshCheckSeconds`). Default 60000. */
  readonly authRefreshCheckMs?: number;
  /** Broker `maxMessageSize`; frames above it + 10 KiB close the connection. Default 5 MiB. */
  readonly maxMessageSize?: number;
}

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  readonly auth?: AuthOptions;
  /** Serves the admin/WebSocket port and the binary endpoint over TLS. */
  readonly tls?: TlsOptions;
  /** The binary protocol endpoint; `false` disables it. Default: on, on free ports. */
  readonly binary?: BinaryOptions | false;
  /** Optional per-topic role allow-list (authorization); needs an auth mode that yields roles. */
  readonly authorization?: readonly TopicRoleRule[];
  readonly clock?: Clock;
  /**
   * The WebSocket service (default true). Off, upgrades on /ws/... answer 404 as a broker with
   * `webSocketServiceEnabled=false` does (no servlet is mapped there).
   */
  readonly websocket?: boolean;
  /** Window of msgRateIn/msgRateOut and the other rates. Default 60000 (Pulsar's stats interval). */
  readonly statsWindowMs?: number;
  /**
   * Interval of the backlog-quota check (`backlogQuotaCheckIntervalInSeconds`), which refreshes
   * oldestBacklogMessageAgeSeconds. Default 60000; 0 keeps it current at every stats call.
   */
  readonly backlogQuotaCheckMs?: number;
  readonly logger?: Logger;
}
