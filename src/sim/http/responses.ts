import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";

/** Pulsar's ErrorData: `{"reason": "..."}` with a JSON content type. */
export function sendReason(
  res: ServerResponse,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { reason }, headers);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** The page Jetty's authentication filter answers with (not JSON). */
export function authRequiredPage(uri: string): string {
  return (
    `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n` +
    `<title>Error 401 Authentication required</title>\n</head>\n` +
    `<body><h2>HTTP ERROR 401 Authentication required</h2>\n<table>\n` +
    `<tr><th>URI:</th><td>${escapeHtml(uri)}</td></tr>\n<tr><th>STATUS:</th><td>401</td></tr>\n` +
    `<tr><th>MESSAGE:</th><td>Authentication required</td></tr>\n</table>\n</body>\n</html>\n`
  );
}

/**
 * Whether Jetty's ErrorHandler answers an Accept header with JSON: it takes the acceptable types by
 * quality and writes the first it knows; text/html and the text or any-type wildcards mean HTML.
 */
export function acceptsJsonError(accept: string | undefined): boolean {
  const types = (accept ?? "*/*")
    .split(",")
    .map((part, i) => {
      const [type = "", ...params] = part.split(";").map((x) => x.trim().toLowerCase());
      const q = params.find((p) => p.startsWith("q="));
      return { type, q: q === undefined ? 1 : Number(q.slice(2)) || 0, i };
    })
    .filter((t) => t.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { type } of types) {
    if (type === "text/html" || type === "text/*" || type === "*/*") return false;
    if (type === "application/json" || type === "text/json") return true;
  }
  return false;
}

/** The servlet holder name Jetty reports: the class name and the holder's hash. */
export const ADMIN_SERVLET = "org.glassfish.jersey.servlet.ServletContainer-5c1a8d06";

/**
 * The JSON of Jetty's ErrorHandler: string values, in the iteration order of the Java HashMap it
 * builds (servlet, message, url, status), one entry per line.
 */
export function jettyErrorJson(status: number, message: string, uri: string, servlet: string): string {
  const entries = { servlet, message, url: uri, status: String(status) };
  const lines = Object.entries(entries).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `{\n${lines.join(",\n")}\n}`;
}

/** The 401 of the authentication filter: JSON when the request accepts it, the HTML page otherwise. */
export function authRequiredBody(
  uri: string,
  accept: string | undefined,
  servlet = ADMIN_SERVLET,
): { body: string; contentType: string } {
  if (acceptsJsonError(accept)) {
    return {
      body: jettyErrorJson(401, "Authentication required", uri, servlet),
      contentType: "application/json",
    };
  }
  return { body: authRequiredPage(uri), contentType: "text/html;charset=utf-8" };
}

export function sendAuthRequired(
  res: ServerResponse,
  uri: string,
  headers: Record<string, string> = {},
  accept?: string,
): void {
  const { body, contentType } = authRequiredBody(uri, accept);
  res.writeHead(401, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** The text/plain body of an unexpected exception in the broker's REST layer. */
export function unexpectedErrorText(message: string): string {
  return (
    `\n --- An unexpected error occurred in the server ---\n\nMessage: ${message}\n\nStacktrace:\n\n` +
    `java.lang.RuntimeException: ${message}\n\tat ...\n`
  );
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "Content-Type": "text/plain",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A Jetty-style error page for paths nothing serves. */
export function notFoundPage(uri: string): string {
  return `<html><body><h2>HTTP ERROR 404 Not Found</h2><p>URI: ${escapeHtml(uri)}</p></body></html>\n`;
}

export function sendNotFoundPage(res: ServerResponse, uri: string): void {
  const page = notFoundPage(uri);
  res.writeHead(404, {
    "Content-Type": "text/html;charset=utf-8",
    "Content-Length": Buffer.byteLength(page),
  });
  res.end(page);
}

/** Answers a WebSocket upgrade request with a plain HTTP error and closes the socket. */
export function rejectUpgrade(
  socket: Duplex,
  status: number,
  message: string,
  contentType = "text/plain",
): void {
  if (socket.destroyed) return;
  const body = message;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const MAX_BODY = 1024 * 1024;

/** Reads a request body (bounded to 1 MiB). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new RangeError("request body over 1 MiB");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}
