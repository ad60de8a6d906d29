import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";

/** Debian's chromium; `.ci/run` installs it when missing. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for this machine's closed network (/work/.library/env/machines/node.md). */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--remote-debugging-port=0",
];

/** A page of a headless chromium driven over the DevTools protocol (only `ws`, no browser library). */
export interface BrowserPage {
  /** Navigates and resolves when the load event fired. */
  goto(url: string): Promise<void>;
  /** Evaluates an expression in the page, awaiting a returned promise; returns its value. */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the viewport. */
  screenshot(): Promise<Buffer>;
}

export interface Browser {
  newPage(): Promise<BrowserPage>;
  /** Closes chromium (its helper processes too) and removes its profile folder. */
  close(): Promise<void>;
}

interface CdpReply {
  id?: number;
  method?: string;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** One DevTools WebSocket: requests by id, events by method. */
class Cdp {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  private readonly waiters = new Map<string, (() => void)[]>();

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as CdpReply;
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result ?? {});
      } else if (msg.method) {
        for (const w of this.waiters.get(msg.method) ?? []) w();
        this.waiters.delete(msg.method);
      }
    });
  }

  static open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once("error", reject);
      ws.once("open", () => resolve(new Cdp(ws)));
    });
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Resolves on the next event named `method` (register before causing it). */
  next(method: string): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiters.get(method) ?? [];
      list.push(resolve);
      this.waiters.set(method, list);
    });
  }
}

/** Starts headless chromium with a new empty profile; resolves once its DevTools URL is printed. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "pps-chromium-"));
  const child: ChildProcess = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, "about:blank"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const browserUrl = await new Promise<string>((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`chromium exited (${code}) before DevTools: ${err.slice(-500)}`)),
    );
  });
  const browser = await Cdp.open(browserUrl);
  const origin = new URL(browserUrl).host;
  return {
    async newPage() {
      const { targetId } = (await browser.send("Target.createTarget", { url: "about:blank" })) as {
        targetId: string;
      };
      const page = await Cdp.open(`ws://${origin}/devtools/page/${targetId}`);
      await page.send("Page.enable");
      return {
        async goto(url) {
          const loaded = page.next("Page.loadEventFired");
          await page.send("Page.navigate", { url });
          await loaded;
        },
        async evaluate<T>(expression: string) {
          const r = (await page.send("Runtime.evaluate", {
            expression,
            awaitPromise: true,
            returnByValue: true,
          })) as {
            result: { value: T };
            exceptionDetails?: { text: string };
          };
          if (r.exceptionDetails) throw new Error(`page threw: ${r.exceptionDetails.text}`);
          return r.result.value;
        },
        async screenshot() {
          const r = (await page.send("Page.captureScreenshot", { format: "png" })) as { data: string };
          return Buffer.from(r.data, "base64");
        },
      };
    },
    async close() {
      // Browser.close lets chromium end its helper processes, which write into the profile until
      // they exit; a SIGKILL of the main process only would leave them writing while it is removed.
      const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await browser.send("Browser.close").catch(() => child.kill("SIGKILL"));
      await exited;
      clearTimeout(kill);
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
}

/**
 * An expression resolving once `predicate` (an expression) is true in the page: checked now and
 * on every DOM change (a MutationObserver), so a test waits for the page's own update, not a sleep.
 */
export function whenTrue(predicate: string): string {
  return `new Promise((resolve) => {
    const check = () => { try { return Boolean(${predicate}); } catch { return false; } };
    if (check()) return resolve(true);
    const mo = new MutationObserver(() => { if (check()) { mo.disconnect(); resolve(true); } });
    mo.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  })`;
}
