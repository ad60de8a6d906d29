import { ConfigError } from "../../lib/errors.js";

/** A parsed `pulsar://host:6650` or `pulsar+ssl://host:6651` URL. */
export interface ServiceAddress {
  readonly tls: boolean;
  /** The host without IPv6 brackets (what a socket connects to). */
  readonly host: string;
  readonly port: number;
  /** "host:port", what CONNECT.proxy_to_broker_url takes (no scheme). */
  readonly hostPort: string;
  /** The normal form `scheme://host:port`, for config, errors, logs and pool keys. */
  readonly url: string;
}

export const SERVICE_URL_SHAPE = "expected pulsar://host:6650 or pulsar+ssl://host:6651";
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d*))?$/;

/**
 * The one reader of a broker or service URL: the --pulsar-service-url and clusters-file rule
 * (cluster-values.ts SERVICE_URL), and the URLs the client connects to (lookup answers included).
 * One host only (a list of hosts is not supported), no user, nothing after host:port; the port
 * defaults by scheme, as Pulsar's clients do. Returns the address or what is wrong with the URL.
 */
export function checkServiceUrl(raw: string): ServiceAddress | { readonly problem: string } {
  const bad = (why: string) => ({ problem: `${SERVICE_URL_SHAPE}: ${why}` });
  const m = /^(pulsar|pulsar\+ssl):\/\/(.*)$/i.exec(raw.trim());
  if (!m) return bad("the scheme must be pulsar or pulsar+ssl");
  const tls = (m[1] ?? "").toLowerCase() === "pulsar+ssl";
  const rest = (m[2] ?? "").replace(/\/$/, "");
  if (rest.includes(",")) return bad("one host (a list of hosts is not supported)");
  if (rest.includes("@")) return bad("no user in the URL (credentials come from auth)");
  if (/[/?#]/.test(rest)) return bad("nothing after host:port (no path or query)");
  const hp = HOST_PORT.exec(rest);
  if (!hp) return bad(rest === "" ? "the host is missing" : `bad host ${JSON.stringify(rest)}`);
  const portText = hp[2];
  const port = portText === undefined ? (tls ? 6651 : 6650) : Number(portText);
  if (portText === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
    return bad("the port must be an integer in 1..65535");
  }
  const bracketed = hp[1] ?? "";
  const hostPort = `${bracketed}:${port}`;
  return {
    tls,
    host: bracketed.replace(/^\[(.*)\]$/, "$1"),
    port,
    hostPort,
    url: `${tls ? "pulsar+ssl" : "pulsar"}://${hostPort}`,
  };
}

/** checkServiceUrl for a URL that must be good (config already checked it): ConfigError if not. */
export function parseServiceUrl(raw: string): ServiceAddress {
  const r = checkServiceUrl(raw);
  if ("problem" in r) throw new ConfigError([`service URL ${JSON.stringify(raw)}: ${r.problem}`]);
  return r;
}
