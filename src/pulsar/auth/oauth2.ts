import http from "node:http";
import https from "node:https";
import { readFile } from "node:fs/promises";
import type { Clock } from "../../lib/clock.js";
import { AuthenticationError, BadPayloadError, type PulsarError } from "../errors.js";
import { mapHttpError } from "../error-mapping.js";
import { httpRequest } from "../http-request.js";
import { safeUrl } from "../safe-url.js";
import { parseJsonObject } from "../stats-parser.js";
import type { AuthProvider } from "./provider.js";

export interface OAuth2Options {
  /** `{"type":"client_credentials","client_id","client_secret","issuer_url"}` (re-read at each token fetch). */
  readonly credentialsFile: string;
  /** Overrides the file's issuer_url. */
  readonly issuerUrl?: string;
  readonly audience?: string;
  readonly scope?: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** CA bundle for an https issuer. */
  readonly ca?: Buffer;
}

interface Credentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly issuerUrl: string;
}

/** When to refresh a token valid for `expiresInS`: at 80 % of its life or 30 s before expiry, whichever is first (at least half its life). */
export function refreshDelayMs(expiresInS: number): number {
  const life = expiresInS * 1000;
  return Math.max(life * 0.5, Math.min(life * 0.8, life - 30_000));
}

/** Lifetime assumed when the token endpoint gives no expires_in. */
const DEFAULT_EXPIRES_IN_S = 60;

/**
 * OAuth2 client credentials: discovery at `<issuer>/.well-known/openid-configuration`, then a form
 * POST to its token_endpoint. The token is cached and refreshed before expiry; concurrent callers
 * share one fetch (single flight). `invalidate()` (after a 401) forces the next call to fetch anew.
 * Errors name the issuer or token endpoint, never the client secret or the token.
 */
export function oauth2Auth(opts: OAuth2Options): AuthProvider {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 2 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 2, ca: opts.ca }),
  };
  let token: { value: string; refreshAt: number; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  let tokenEndpoint: string | undefined;
  const where = `file://${opts.credentialsFile}`;

  async function request(url: string, method: "GET" | "POST", body?: string) {
    const res = await httpRequest({
      url,
      method,
      body,
      headers: body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" },
      agentFor: (u) => (u.protocol === "https:" ? agents.https : agents.http),
      timeoutMs: opts.timeoutMs,
      clock: opts.clock,
      maxRedirects: method === "GET" ? 5 : 0,
      maxBodyBytes: 1024 * 1024,
    });
    if (res.status < 200 || res.status > 299) {
      const err: PulsarError = mapHttpError(res, opts.clock.now());
      if (method === "POST" && (res.status === 400 || res.status === 401 || res.status === 403)) {
        throw new AuthenticationError(
          `token endpoint refused the client credentials (HTTP ${res.status})`,
          res.url,
          { cause: err },
        );
      }
      throw err;
    }
    return parseJsonObject(res.body, res.url);
  }

  async function readCredentials(): Promise<Credentials> {
    let doc: Record<string, unknown>;
    try {
      doc = parseJsonObject(await readFile(opts.credentialsFile), where);
    } catch (err) {
      throw new AuthenticationError("OAuth2 credentials file cannot be read or parsed", where, {
        cause: err instanceof BadPayloadError ? undefined : err,
      });
    }
    const { client_id: clientId, client_secret: clientSecret, issuer_url: fileIssuer } = doc;
    const issuerUrl = opts.issuerUrl ?? fileIssuer;
    if (typeof clientId !== "string" || typeof clientSecret !== "string" || typeof issuerUrl !== "string") {
      throw new AuthenticationError(
        "OAuth2 credentials file needs client_id, client_secret and issuer_url",
        where,
      );
    }
    return { clientId, clientSecret, issuerUrl: issuerUrl.replace(/\/+$/, "") };
  }

  async function discover(issuerUrl: string): Promise<string> {
    if (tokenEndpoint !== undefined) return tokenEndpoint;
    const url = `${issuerUrl}/.well-known/openid-configuration`;
    const doc = await request(url, "GET");
    const endpoint = doc["token_endpoint"];
    if (typeof endpoint !== "string")
      throw new BadPayloadError("discovery document has no token_endpoint", safeUrl(url));
    tokenEndpoint = endpoint;
    return endpoint;
  }

  async function fetchToken(): Promise<string> {
    const creds = await readCredentials();
    const endpoint = await discover(creds.issuerUrl);
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
    });
    if (opts.audience !== undefined) form.set("audience", opts.audience);
    if (opts.scope !== undefined) form.set("scope", opts.scope);
    const doc = await request(endpoint, "POST", form.toString());
    const accessToken = doc["access_token"];
    const expiresIn = doc["expires_in"] ?? DEFAULT_EXPIRES_IN_S;
    if (typeof accessToken !== "string" || accessToken.length === 0) {
      throw new BadPayloadError("token response has no access_token", safeUrl(endpoint));
    }
    if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new BadPayloadError("token response has an invalid expires_in", safeUrl(endpoint));
    }
    const now = opts.clock.now();
    token = {
      value: accessToken,
      refreshAt: now + refreshDelayMs(expiresIn),
      expiresAt: now + expiresIn * 1000,
    };
    return accessToken;
  }

  function current(): Promise<string> {
    const now = opts.clock.now();
    const held = token;
    if (held !== undefined && now < held.refreshAt) return Promise.resolve(held.value);
    inflight ??= fetchToken().finally(() => {
      inflight = undefined;
    });
    // A failed early refresh keeps the old token while it is still valid.
    if (held !== undefined && now < held.expiresAt) return inflight.catch(() => held.value);
    return inflight;
  }

  return {
    kind: "oauth2",
    headers: async () => ({ authorization: `Bearer ${await current()}` }),
    invalidate: () => {
      token = undefined;
      tokenEndpoint = undefined;
    },
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
