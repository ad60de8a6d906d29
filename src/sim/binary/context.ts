import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import type { PayloadToSend, PulsarCodec } from "../../pulsar/binary/commands.js";
import type { Command } from "../../pulsar/binary/generated/pulsar-api.js";
import type { Authorizer } from "../http/auth.js";
import type { Broker } from "../model/broker.js";
import type { BinaryAuthenticator } from "./auth.js";
import type { BrokerRouting, SimBroker } from "./routing.js";

/** The request_id of commands the broker starts (ERROR after a failed CONNECT, CLOSE_CONSUMER on unload). */
export const NO_REQUEST = 0xffff_ffff_ffff_ffffn;
/** The highest protocol version this simulator speaks (Pulsar 3.x/4.x brokers: 21). */
export const SERVER_PROTOCOL_VERSION = 21;
export const SERVER_VERSION = "Pulsar Server 4.0.0 (simulator)";

export interface BinaryLimits {
  readonly keepAliveMs: number;
  readonly authRefreshCheckMs: number;
  readonly maxMessageSize: number;
}

/** Counts over every connection of the endpoint (`GET /_sim/binary`). */
export interface EndpointCounters {
  authChallenges: number;
  authRefreshes: number;
}

export interface ConnectionDeps {
  readonly broker: Broker;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly codec: PulsarCodec;
  readonly authenticator: BinaryAuthenticator;
  readonly authorizer: Authorizer;
  readonly routing: BrokerRouting;
  readonly limits: BinaryLimits;
  readonly counters: EndpointCounters;
}

/** What the command handlers need from their connection. */
export interface ConnectionContext {
  readonly deps: ConnectionDeps;
  readonly address: string;
  /** The broker this connection speaks for (its listener's, or CONNECT.proxy_to_broker_url's). */
  readonly self: SimBroker;
  readonly clientVersion: string;
  readonly protocolVersion: number;
  readonly role: string | undefined;
  readonly isClosed: boolean;
  /** Fault "hang": nothing is sent, so nothing may be dispatched either. */
  readonly isFrozen: boolean;
  send(command: Command, payload?: PayloadToSend): void;
  /** Closes the link: a protocol violation. */
  abort(why: string): void;
}
