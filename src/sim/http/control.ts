import type { IncomingMessage, ServerResponse } from "node:http";
import { errorText } from "../../lib/errors.js";
import { SimNotFoundError, SimRestError } from "../errors.js";
import type { BinaryControl } from "../binary/endpoint.js";
import type { Broker } from "../model/broker.js";
import { fullName, parseTopic } from "../model/names.js";
import type { Topic } from "../model/topic.js";
import { FAULT_KINDS, type ControlState, type FaultKind, type WebSocketMode } from "./faults.js";
import { readBody, sendJson } from "./responses.js";

/** What the control API needs from the WebSocket side. */
export interface WebSocketControl {
  setMode(mode: WebSocketMode): void;
  /** Closes every open session now (like a broker restart). */
  dropAll(): number;
}

export const CONTROL_PREFIX = "/_sim/";

class ControlInputError extends SimRestError {
  constructor(message: string) {
    super(400, message);
  }
}

type Json = Record<string, unknown>;

function str(o: Json, k: string, required: true): string;
function str(o: Json, k: string, required?: false): string | undefined;
function str(o: Json, k: string, required = false): string | undefined {
  const v = o[k];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || v === "") throw new ControlInputError(`${k} must be a non-empty string`);
  return v;
}

function num(o: Json, k: string, dflt?: number): number {
  const v = o[k] ?? dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ControlInputError(`${k} must be a number`);
  return v;
}

/** `/_sim/...`: fault injection and test helpers. Never authenticated, never counted. */
export class ControlRoutes {
  constructor(
    private readonly state: ControlState,
    private readonly broker: Broker,
    private readonly ws: WebSocketControl,
    /** Absent when the binary endpoint is off. */
    private readonly binary: BinaryControl | undefined,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      const route = `${req.method ?? "GET"} ${path.slice(CONTROL_PREFIX.length)}`;
      if (route === "GET requests") return sendJson(res, 200, this.state.requests.snapshot());
      if (route === "GET binary") {
        if (!this.binary) throw new SimNotFoundError("the binary endpoint is off");
        return sendJson(res, 200, this.binary.state());
      }
      if (req.method !== "POST") throw new SimNotFoundError(`no control route ${route}`);
      const text = await readBody(req);
      let body: Json = {};
      if (text.trim() !== "") {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== "object" || parsed === null)
          throw new ControlInputError("body must be a JSON object");
        body = parsed as Json;
      }
      sendJson(res, 200, this.post(route, body));
    } catch (err) {
      const status = err instanceof SimRestError ? err.status : err instanceof SyntaxError ? 400 : 500;
      sendJson(res, status, { error: errorText(err) });
    }
  }

  private post(route: string, b: Json): Json {
    const s = this.state;
    switch (route) {
      case "POST faults": {
        const kind = (b["kind"] ?? "json") as FaultKind;
        if (!FAULT_KINDS.includes(kind))
          throw new ControlInputError(`kind must be one of ${FAULT_KINDS.join(", ")}`);
        const dfltStatus = kind === "html401" ? 401 : kind === "garbage" ? 200 : 500;
        s.faults.add({
          pathPattern: str(b, "pathPattern", true),
          count: num(b, "count", 1),
          status: num(b, "status", dfltStatus),
          kind,
          ...(b["retryAfterSeconds"] !== undefined ? { retryAfterSeconds: num(b, "retryAfterSeconds") } : {}),
          ...(b["body"] !== undefined ? { body: b["body"] } : {}),
        });
        return { faults: s.faults.size };
      }
      case "POST latency":
        s.latency.set(num(b, "ms"), b["pathPattern"] === undefined ? "" : str(b, "pathPattern", true));
        return { ok: true };
      case "POST websocket": {
        const mode = str(b, "mode", true);
        if (mode === "drop") return { dropped: this.ws.dropAll() };
        if (mode !== "normal" && mode !== "refuse" && mode !== "hang") {
          throw new ControlInputError("mode must be normal, refuse, drop or hang");
        }
        this.ws.setMode(mode);
        return { mode };
      }
      case "POST redirect":
        s.redirects.add({
          topicPattern: str(b, "topicPattern", true),
          to: str(b, "to", true),
          status: num(b, "status", 307),
        });
        return { ok: true };
      case "POST requests/reset":
        s.requests.reset();
        return { ok: true };
      case "POST reset":
        s.reset();
        this.ws.setMode("normal");
        this.binary?.reset();
        return { ok: true };
      case "POST binary":
      case "POST binary/owner":
      case "POST binary/proxy":
      case "POST binary/unload":
        return this.binaryRoute(route, b);
      case "POST backlog-quota-check":
        this.broker.backlogQuotaCheck.runNow();
        return { ok: true };
      case "POST publish":
        return this.publish(b);
      case "POST ack":
        return this.ack(b);
      default:
        throw new SimNotFoundError(`no control route ${route}`);
    }
  }

  /** `/_sim/binary...`: faults and topology of the binary endpoint. */
  private binaryRoute(route: string, b: Json): Json {
    const binary = this.binary;
    if (!binary) throw new SimNotFoundError("the binary endpoint is off");
    switch (route) {
      case "POST binary": {
        const mode = str(b, "mode", true);
        if (mode === "drop") return { dropped: binary.dropAll() };
        if (mode !== "normal" && mode !== "refuse" && mode !== "hang") {
          throw new ControlInputError("mode must be normal, refuse, drop or hang");
        }
        binary.setMode(mode);
        return { mode };
      }
      case "POST binary/owner":
        binary.addSecondOwner(str(b, "topicPattern", true));
        return { ok: true };
      case "POST binary/proxy":
        if (typeof b["enabled"] !== "boolean") throw new ControlInputError("enabled must be true or false");
        binary.setProxy(b["enabled"]);
        return { ok: true };
      default:
        return { closed: binary.unload(fullName(parseTopic(str(b, "topic", true)))) };
    }
  }

  private publish(b: Json): Json {
    const topics = this.broker.resolveOrCreate(parseTopic(str(b, "topic", true)));
    const count = num(b, "count", 1);
    const text = str(b, "payload");
    const key = str(b, "key");
    let last = "";
    for (let i = 0; i < count; i++) {
      const t = topics[i % topics.length] as Topic;
      last = t.publish({
        payload: Buffer.from(text ?? `message-${i}`, "utf8").toString("base64"),
        ...(key !== undefined ? { key } : {}),
      }).messageId;
    }
    return { published: count, lastMessageId: last };
  }

  private ack(b: Json): Json {
    const name = parseTopic(str(b, "topic", true));
    const subName = str(b, "subscription", true);
    const topics = this.broker.resolve(name);
    const subs = topics.map((t) => t.subscriptions.get(subName));
    if (subs.every((x) => x === undefined)) {
      throw new SimNotFoundError(`Subscription ${subName} not found for topic ${fullName(name)}`);
    }
    let remaining = num(b, "count", 1);
    let acked = 0;
    for (let progress = true; remaining > 0 && progress;) {
      progress = false;
      for (const sub of subs) {
        if (!sub || remaining === 0) continue;
        if (sub.ackOldest(1) === 1) {
          acked++;
          remaining--;
          progress = true;
        }
      }
    }
    for (const sub of subs) sub?.dispatch();
    return { acked };
  }
}
