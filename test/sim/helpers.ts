import type { IncomingHttpHeaders } from "node:http";
import { WebSocket, type ClientOptions } from "ws";
import { pulsarFixture } from "../support/fixtures.js";
import { FrameQueue } from "../support/frame-queue.js";

/** A recorded broker document (test/fixtures/pulsar/), parsed. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(pulsarFixture(name)) as T;
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly headers: Headers;
  json<T = Record<string, unknown>>(): T;
}

export async function request(
  url: string,
  init: {
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    redirect?: "manual" | "follow" | "error";
  } = {},
): Promise<HttpAnswer> {
  const res = await fetch(url, { redirect: "manual", ...init });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    text,
    headers: res.headers,
    json: <T>() => JSON.parse(text) as T,
  };
}

export type Frame = Record<string, unknown>;

/** A WebSocket client that queues every JSON frame it receives. */
export class WsClient {
  readonly frames = new FrameQueue<Frame>();
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.frames.push(JSON.parse(data.toString("utf8")) as Frame));
    ws.on("error", () => {});
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static connect(url: string, options: ClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const client = new WsClient(ws);
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (_req, res) =>
        reject(new UpgradeRejected(res.statusCode ?? 0, res.headers)),
      );
      ws.once("error", reject);
    });
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  next(what = "frame", timeoutMs = 5000, match: (f: Frame) => boolean = () => true): Promise<Frame> {
    return this.frames.next(match, timeoutMs, what);
  }

  close(): void {
    this.ws.close();
  }
}

export class UpgradeRejected extends Error {
  constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
  ) {
    super(`upgrade rejected with ${status}`);
  }
}

/** The HTTP answer to an upgrade that was refused (status 101 and no body when it was accepted). */
export function upgradeAnswer(
  url: string,
  options: ClientOptions = {},
): Promise<{ status: number; body: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once("open", () => {
      ws.close();
      resolve({ status: 101, body: "", contentType: "" });
    });
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString("utf8")));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          contentType: String(res.headers["content-type"] ?? ""),
        }),
      );
    });
    ws.once("error", reject);
  });
}

/** Expects the upgrade to be answered with an HTTP status instead of 101. */
export async function upgradeStatus(url: string, options: ClientOptions = {}): Promise<number> {
  try {
    const c = await WsClient.connect(url, options);
    c.close();
    return 101;
  } catch (err) {
    if (err instanceof UpgradeRejected) return err.status;
    throw err;
  }
}

export const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
