import http from "node:http";
import https from "node:https";
import type { TlsClientOptions } from "./auth/provider.js";

export interface AgentPoolOptions {
  /** Sockets per agent (default 16). */
  readonly maxSockets?: number;
  /** CA bundle for https (not a secret: used for every origin). */
  readonly ca?: Buffer;
  /** Client certificate and key: only on the agent of the cluster's own origin. */
  readonly clientTls?: TlsClientOptions;
}

/**
 * The keep-alive agents of one cluster. The cluster's own origin gets an agent carrying the client
 * certificate (if any); any other origin reached by a redirect gets a plain agent without it, so a
 * client certificate, like a header, is only ever presented to the configured host.
 */
export class AgentPool {
  private readonly own: http.Agent;
  private readonly plainHttp: http.Agent;
  private readonly plainHttps: https.Agent;

  constructor(ownUrl: string, opts: AgentPoolOptions = {}) {
    const base = { keepAlive: true, maxSockets: opts.maxSockets ?? 16, maxFreeSockets: 4 };
    this.plainHttp = new http.Agent(base);
    this.plainHttps = new https.Agent({ ...base, ca: opts.ca });
    this.own =
      new URL(ownUrl).protocol === "https:"
        ? new https.Agent({ ...base, ca: opts.ca, cert: opts.clientTls?.cert, key: opts.clientTls?.key })
        : this.plainHttp;
  }

  /** The agent for a request to `target`; `sameOrigin` says whether it is the cluster's origin. */
  agentFor(target: URL, sameOrigin: boolean): http.Agent {
    if (sameOrigin) return this.own;
    return target.protocol === "https:" ? this.plainHttps : this.plainHttp;
  }

  destroy(): void {
    this.own.destroy();
    this.plainHttp.destroy();
    this.plainHttps.destroy();
  }
}
