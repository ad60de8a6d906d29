import http from "node:http";
import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { Clock } from "../lib/clock.js";
import { BadPayloadError, TimeoutError, TooManyRedirectsError } from "./errors.js";
import { mapTransportError } from "./error-mapping.js";
import { safeUrl, sameOrigin } from "./safe-url.js";

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 307, 308]);

export interface HttpRequest {
  readonly url: string;
  readonly method?: "GET" | "POST";
  /** Headers sent to every hop (no secrets here). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Headers sent only to the origin (scheme, host and port) of `url`, never across a redirect to another origin. */
  readonly credentials?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The agent for a hop; `sameOrigin` tells whether the hop's origin is that of `url`. */
  readonly agentFor: (target: URL, sameOrigin: boolean) => http.Agent;
  /** One deadline for the whole exchange: connect, redirects, headers and the whole body. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly maxBodyBytes?: number;
  readonly maxRedirects?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The final URL, without secrets. */
  readonly url: string;
  /** Hops followed. */
  readonly redirects: number;
}

/**
 * One HTTP exchange over node:http(s) with a pooled agent. Follows 301/302/307/308 up to
 * `maxRedirects` hops; credentials go only to the original origin. Any status is returned (the
 * caller maps error statuses); transport failures reject with TimeoutError, NetworkError,
 * BadPayloadError (body too large) or TooManyRedirectsError.
 */
export function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  let origin: URL;
  try {
    origin = new URL(req.url);
  } catch (err) {
    return Promise.reject(mapTransportError(err, safeUrl(req.url)));
  }
  const maxRedirects = req.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const maxBody = req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return new Promise<HttpResponse>((resolve, reject) => {
    let current: http.ClientRequest | undefined;
    let settled = false;
    let hopUrl = origin;
    const timer = req.clock.setTimeout(() => {
      fail(new TimeoutError(`no complete answer within ${req.timeoutMs} ms`, safeUrl(hopUrl)));
    }, req.timeoutMs);

    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      req.clock.clearTimeout(timer);
      current?.destroy();
      reject(err);
    }
    function done(res: HttpResponse): void {
      if (settled) return;
      settled = true;
      req.clock.clearTimeout(timer);
      resolve(res);
    }

    function hop(target: URL, hops: number): void {
      hopUrl = target;
      const same = sameOrigin(origin, target);
      const headers: Record<string, string> = { accept: "application/json", ...req.headers };
      if (same) Object.assign(headers, req.credentials);
      if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
      const transport = target.protocol === "https:" ? https : http;
      let r: http.ClientRequest;
      try {
        r = transport.request(target, {
          method: req.method ?? "GET",
          headers,
          agent: req.agentFor(target, same),
        });
      } catch (err) {
        fail(mapTransportError(err, safeUrl(target)));
        return;
      }
      current = r;
      r.on("error", (err) => fail(mapTransportError(err, safeUrl(target))));
      r.on("response", (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (REDIRECTS.has(status) && location !== undefined) {
          res.resume();
          if (hops >= maxRedirects) {
            fail(new TooManyRedirectsError(`more than ${maxRedirects} redirects`, safeUrl(target), status));
            return;
          }
          let next: URL;
          try {
            next = new URL(location, target);
          } catch (err) {
            fail(new BadPayloadError(`unparsable redirect location`, safeUrl(target), { cause: err }));
            return;
          }
          hop(next, hops + 1);
          return;
        }
        const declared = Number(res.headers["content-length"] ?? "0");
        if (declared > maxBody) {
          fail(new BadPayloadError(`body of ${declared} bytes exceeds ${maxBody}`, safeUrl(target)));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            fail(new BadPayloadError(`body exceeds ${maxBody} bytes`, safeUrl(target)));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", (err) => fail(mapTransportError(err, safeUrl(target))));
        res.on("close", () => {
          if (!res.complete) fail(mapTransportError(new Error("response ended early"), safeUrl(target)));
        });
        res.on("end", () =>
          done({
            status,
            headers: res.headers,
            body: Buffer.concat(chunks),
            url: safeUrl(target),
            redirects: hops,
          }),
        );
      });
      if (req.body !== undefined) r.write(req.body);
      r.end();
    }

    hop(origin, 0);
  });
}
