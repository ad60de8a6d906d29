import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../lib/clock.js";
import { signJwt } from "../jwt.js";
import type { AuthOptions } from "../options.js";
import { readBody, sendJson } from "./responses.js";

type OAuth2Options = Extract<AuthOptions, { mode: "oauth2" }>;

export const DISCOVERY_PATH = "/.well-known/openid-configuration";
export const TOKEN_PATH = "/oauth/token";

function baseUrl(req: IncomingMessage, tls: boolean): string {
  return `${tls ? "https" : "http"}://${req.headers.host ?? "127.0.0.1"}`;
}

/** Form or JSON body fields, plus client credentials from HTTP Basic (client_secret_basic). */
function credentials(req: IncomingMessage, body: string): URLSearchParams {
  const type = req.headers["content-type"] ?? "";
  const params = new URLSearchParams();
  if (type.includes("application/json")) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") params.set(k, v);
    } catch {
      /* answered as invalid_request below */
    }
  } else {
    for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  }
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "");
  if (m && !params.has("client_id")) {
    const [id, secret] = Buffer.from(m[1] ?? "", "base64")
      .toString("utf8")
      .split(":", 2);
    params.set("client_id", decodeURIComponent(id ?? ""));
    params.set("client_secret", decodeURIComponent(secret ?? ""));
  }
  return params;
}

/**
 * A stand-in OAuth2 issuer: discovery document and a client_credentials token endpoint issuing
 * HS256 JWTs (subject = client_id) that the simulator's admin API and WebSocket accept.
 */
export async function handleOAuth(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  opts: OAuth2Options | undefined,
  clock: Clock,
  tls: boolean,
): Promise<void> {
  if (!opts) return sendJson(res, 404, { error: "not_found", error_description: "OAuth2 is not enabled" });
  const base = baseUrl(req, tls);
  if (path === DISCOVERY_PATH && req.method === "GET") {
    return sendJson(res, 200, {
      issuer: base,
      token_endpoint: `${base}${TOKEN_PATH}`,
      grant_types_supported: ["client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    });
  }
  if (path !== TOKEN_PATH || req.method !== "POST") {
    return sendJson(res, 405, { error: "invalid_request", error_description: "use POST" });
  }
  const params = credentials(req, await readBody(req));
  if (params.get("grant_type") !== "client_credentials") {
    return sendJson(res, 400, { error: "unsupported_grant_type" });
  }
  if (params.get("client_id") !== opts.clientId || params.get("client_secret") !== opts.clientSecret) {
    return sendJson(res, 401, {
      error: "invalid_client",
      error_description: "unknown client or wrong secret",
    });
  }
  const expiresIn = opts.expiresInSeconds ?? 3600;
  const now = Math.floor(clock.now() / 1000);
  const audience = params.get("audience");
  const token = signJwt(
    { sub: opts.clientId, iat: now, exp: now + expiresIn, iss: base, ...(audience ? { aud: audience } : {}) },
    opts.secret,
  );
  return sendJson(
    res,
    200,
    { access_token: token, token_type: "Bearer", expires_in: expiresIn },
    { "Cache-Control": "no-store" },
  );
}
