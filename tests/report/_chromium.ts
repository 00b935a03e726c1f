/**
 * Test helper: headless Chromium driven over the DevTools protocol on 127.0.0.1, to load a page
 * and see what it logs, what it requests and how it lays out.
 *
 * @module
 */

// DevTools messages are loosely typed JSON.
// deno-lint-ignore no-explicit-any
type _Json = any;

/** Where Chromium is looked for: `$CHROMIUM`, then Debian's and others' names on the PATH. */
const _CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** The Chromium executable, or null when none is installed. */
export async function findChromium(): Promise<string | null> {
  const given = Deno.env.get("CHROMIUM");
  for (const name of given ? [given] : _CANDIDATES) {
    try {
      const out = await new Deno.Command(name, {
        args: ["--version"],
        stdout: "piped",
        stderr: "null",
      })
        .output();
      if (out.success) return name;
    } catch {
      // not this one
    }
  }
  return null;
}

/** What the page did while it loaded. */
export interface PageLog {
  /** Console messages of level error or warning, uncaught exceptions, and browser log errors
   * (CSP violations, failed loads). */
  errors: string[];
  /** Every request the page made, by URL (the page itself included). */
  requests: string[];
}

/** One loaded page. */
export interface ChromiumPage extends AsyncDisposable {
  /** What the page logged and requested so far. */
  log: PageLog;
  /** Evaluate `expression` in the page; its value, JSON-serializable. */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG screenshot of the whole page. */
  screenshot(): Promise<Uint8Array>;
}

/**
 * Start headless Chromium with a fresh profile in `profileDir`, open `url` in a
 * `width` × `height` viewport and wait for its load event. The DevTools endpoint listens on
 * 127.0.0.1 only (a free port).
 */
export async function openPage(
  chromium: string,
  url: string,
  options: { profileDir: string; width?: number; height?: number; timeoutMs?: number },
): Promise<ChromiumPage> {
  const { profileDir, width = 1280, height = 900, timeoutMs = 30_000 } = options;
  const child = new Deno.Command(chromium, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      `--user-data-dir=${profileDir}`,
      `--window-size=${width},${height}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const kill = async () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  };
  let ws: WebSocket | undefined;
  try {
    const browserUrl = await _devtoolsUrl(child.stderr, timeoutMs);
    if (!new URL(browserUrl).hostname.startsWith("127.0.0.1")) {
      throw new Error(`DevTools not on 127.0.0.1: ${browserUrl}`);
    }
    ws = new WebSocket(browserUrl);
    await new Promise<void>((resolve, reject) => {
      ws!.onopen = () => resolve();
      ws!.onerror = () => reject(new Error(`cannot connect to ${browserUrl}`));
    });
    const cdp = _session(ws);
    const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const log: PageLog = { errors: [], requests: [] };
    cdp.on(sessionId, (method, params) => {
      const p = params as _Json;
      if (method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "warning")) {
        log.errors.push(
          `console.${p.type}: ${p.args?.map((a: _Json) => a.value ?? a.description).join(" ")}`,
        );
      } else if (method === "Runtime.exceptionThrown") {
        log.errors.push(
          `exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`,
        );
      } else if (
        method === "Log.entryAdded" && (p.entry?.level === "error" || p.entry?.level === "warning")
      ) {
        log.errors.push(`log.${p.entry.level}: ${p.entry.source}: ${p.entry.text}`);
      } else if (method === "Network.requestWillBeSent") {
        log.requests.push(String(p.request?.url));
      }
    });
    const send = <T>(method: string, params: Record<string, unknown> = {}) =>
      cdp.send<T>(method, params, sessionId);
    await send("Runtime.enable");
    await send("Log.enable");
    await send("Network.enable");
    await send("Page.enable");
    await send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    const loaded = cdp.waitFor(sessionId, "Page.loadEventFired", timeoutMs);
    const nav = await send<{ errorText?: string }>("Page.navigate", { url });
    if (nav.errorText) throw new Error(`cannot open ${url}: ${nav.errorText}`);
    await loaded;
    // let late console messages and requests arrive
    await new Promise((resolve) => setTimeout(resolve, 300));
    const socket = ws;
    return {
      log,
      async evaluate<T>(expression: string): Promise<T> {
        const r = await send<{ result: { value: T }; exceptionDetails?: { text: string } }>(
          "Runtime.evaluate",
          { expression, returnByValue: true, awaitPromise: true },
        );
        if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}`);
        return r.result.value;
      },
      async screenshot(): Promise<Uint8Array> {
        const r = await send<{ data: string }>("Page.captureScreenshot", {
          format: "png",
          captureBeyondViewport: true,
        });
        return Uint8Array.from(atob(r.data), (c) => c.charCodeAt(0));
      },
      async [Symbol.asyncDispose]() {
        socket.close();
        await kill();
      },
    };
  } catch (error) {
    ws?.close();
    await kill();
    throw error;
  }
}

/** Read Chromium's stderr until it names its DevTools WebSocket URL. */
async function _devtoolsUrl(
  stderr: ReadableStream<Uint8Array>,
  timeoutMs: number,
): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const timer = setTimeout(() => reader.cancel("timeout"), timeoutMs);
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      const m = text.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) {
        // keep draining stderr so Chromium never blocks on a full pipe
        (async () => {
          try {
            while (!(await reader.read()).done) { /* drain */ }
          } catch { /* closed */ }
        })();
        return m[1];
      }
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`Chromium named no DevTools endpoint; stderr:\n${text.slice(-2000)}`);
}

type _Listener = (method: string, params: unknown) => void;

function _session(ws: WebSocket) {
  let next = 1;
  const pending = new Map<number, { resolve: (v: _Json) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, _Listener[]>();
  ws.onmessage = (event) => {
    const msg = JSON.parse(String(event.data));
    if (typeof msg.id === "number") {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(`${msg.error.message} (${msg.error.code})`));
      else p?.resolve(msg.result);
    } else if (msg.method) {
      for (const l of listeners.get(msg.sessionId ?? "") ?? []) l(msg.method, msg.params);
    }
  };
  return {
    send<T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return new Promise<T>((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    on(sessionId: string, listener: _Listener) {
      listeners.set(sessionId, [...(listeners.get(sessionId) ?? []), listener]);
    },
    waitFor(sessionId: string, event: string, timeoutMs: number): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${event} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        this.on(sessionId, (method) => {
          if (method === event) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    },
  };
}
