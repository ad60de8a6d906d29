import type { Socket } from "node:net";
import type { Clock, TimerHandle } from "../../lib/clock.js";
import { BaseCommand_Type as T, type Command } from "../../pulsar/binary/generated/pulsar-api.js";
import type { BinaryAuthenticator, BinaryIdentity } from "./auth.js";
import { SERVER_VERSION, type EndpointCounters } from "./context.js";

/** What the refresh check needs from its connection. */
export interface RefreshLink {
  readonly socket: Socket;
  readonly protocolVersion: number;
  send(command: Command): void;
  abort(why: string): void;
}

/**
 * Pulsar's authentication refresh (`authenticationRefreshCheckSeconds`): every check, expired
 * credentials get an AUTH_CHALLENGE ("PulsarAuthRefresh") when the client set
 * supports_auth_refresh, else the link is closed; a challenge still unanswered at the next check,
 * an answer that does not verify, or one for another role closes it too.
 */
export class AuthRefresh {
  private challengePending = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly checkMs: number,
    private readonly authenticator: BinaryAuthenticator,
    private readonly link: RefreshLink,
    private identity: BinaryIdentity,
    private readonly supportsRefresh: boolean,
    private readonly counters: EndpointCounters,
  ) {
    this.arm();
  }

  get role(): string | undefined {
    return this.identity.role;
  }

  /** AUTH_RESPONSE: fresh credentials for the same role, or the link goes. */
  answer(method: string | undefined, data: Buffer | undefined): void {
    const auth = this.authenticator.authenticate(this.link.socket, method, data);
    if (!auth.ok) return this.link.abort(`auth response refused: ${auth.why}`);
    if (auth.identity.role !== this.identity.role) return this.link.abort("auth response for another role");
    this.identity = auth.identity;
    this.challengePending = false;
    this.counters.authRefreshes++;
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.challengePending) return this.link.abort("auth challenge unanswered");
      if (this.authenticator.expired(this.identity)) {
        if (!this.supportsRefresh) return this.link.abort("credentials expired");
        this.challengePending = true;
        this.counters.authChallenges++;
        this.link.send({
          type: T.AUTH_CHALLENGE,
          authChallenge: {
            server_version: SERVER_VERSION,
            protocol_version: this.link.protocolVersion,
            challenge: {
              auth_method_name: this.identity.method,
              auth_data: Buffer.from("PulsarAuthRefresh"),
            },
          },
        });
      }
      this.arm();
    }, this.checkMs);
  }
}
