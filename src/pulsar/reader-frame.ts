import type WebSocket from "ws";

/** Pulsar's default maxMessageSize (5 MiB, metadata included). */
const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

/**
 * The reader's inbound frame cap. A frame carries the payload in base64 (4/3 of its size) plus
 * JSON: id, properties, times. Sized from the broker's limit, so the largest message it accepts
 * is not dropped (about 7.7 MiB).
 */
export const MAX_FRAME_BYTES = Math.ceil((MAX_MESSAGE_BYTES * 4) / 3) + 1024 * 1024;

/** What a frame from the WebSocket reader API says, as far as the tripwire cares. */
export type ReaderFrame =
  /** A message: its id and `publishTime` (epoch ms; undefined when unreadable). */
  | { readonly kind: "message"; readonly messageId: string; readonly publishTime: number | undefined }
  /** `{"type":"AUTH_CHALLENGE",...}`: the session's credentials expired. */
  | { readonly kind: "auth-challenge" }
  /** Not JSON, or no `messageId`. */
  | { readonly kind: "bad" };

/** Reads one frame; the payload is never decoded. */
export function parseReaderFrame(data: WebSocket.RawData): ReaderFrame {
  let doc: Record<string, unknown>;
  try {
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString("utf8")
      : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString("utf8");
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return { kind: "bad" };
    doc = parsed as Record<string, unknown>;
  } catch {
    return { kind: "bad" };
  }
  if (doc["type"] === "AUTH_CHALLENGE") return { kind: "auth-challenge" };
  const messageId = doc["messageId"];
  if (typeof messageId !== "string" || messageId.length === 0) return { kind: "bad" };
  const raw = doc["publishTime"];
  const t = typeof raw === "string" ? Date.parse(raw) : NaN;
  return { kind: "message", messageId, publishTime: Number.isFinite(t) ? t : undefined };
}
