import { ConfigError } from "../../lib/errors.js";

/** A parsed `pulsar://host:6650` or `pulsar+ssl://host:6651` URL. */
export interface ServiceAddress {
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  /** "host:port", what CONNECT.proxy_to_broker_url takes (no scheme). */
  readonly hostPort: string;
  /** The URL as given, normalised (scheme://host:port), for errors, logs and pool keys. */
  readonly url: string;
}

/**
 * Parses a broker or service URL. Only the first host of a multi-host list (`pulsar://a:6650,b:6650`)
 * is used: lookups go through it and it answers with the owner broker's own URL.
 */
export function parseServiceUrl(raw: string): ServiceAddress {
  const m = /^(pulsar|pulsar\+ssl):\/\/([^/,?#]+)(?:,[^/?#]*)?\/?$/.exec(raw.trim());
  if (!m)
    throw new ConfigError([
      `service URL ${JSON.stringify(raw)} must be pulsar://host:port or pulsar+ssl://host:port`,
    ]);
  const tls = m[1] === "pulsar+ssl";
  const hostPart = m[2] ?? "";
  const portMatch = /^(.*):(\d+)$/.exec(hostPart);
  const host = (portMatch ? (portMatch[1] ?? "") : hostPart).replace(/^\[(.*)\]$/, "$1");
  const port = portMatch ? Number(portMatch[2]) : tls ? 6651 : 6650;
  if (host.length === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError([`service URL ${JSON.stringify(raw)} has no valid host and port`]);
  }
  const hostPort = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  return { tls, host, port, hostPort, url: `${tls ? "pulsar+ssl" : "pulsar"}://${hostPort}` };
}
