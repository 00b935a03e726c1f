/**
 * Secrets never leak: distinctive fake API keys, AWS credentials, session tokens and `api-key` /
 * `x-api-key` header values go into benchmark runs (OpenAI and Bedrock, against the simulator and
 * against hostile endpoints that echo every header back in their error messages), and every file
 * written and everything printed is searched for them.
 */
import { assert, assertEquals } from "../_assert.ts";
import { isSecretName, redactSecrets, secretsFromEnv } from "../../lib/core/redact_secrets.ts";
import { startSimulator } from "../../lib/sim/simulator.ts";
import { createOpenAiClient } from "../../lib/clients/openai_client.ts";
import { runBenchmark } from "../../lib/run/run_benchmark.ts";
import { writeRunFiles } from "../../lib/report/write_run_files.ts";
import type { RunMetadata } from "../../lib/report/run_metadata.ts";

const BENCH = new URL("../../scripts/token_benchmark.ts", import.meta.url).pathname;

/** Distinctive fake secrets, each in the shape of the real thing. */
const SECRETS = {
  OPENAI_API_KEY: "sk-tbleak-openai-7f3a9c2e5b1d8f4a6c0e",
  AWS_ACCESS_KEY_ID: "AKIATBLEAKKEYID12345",
  AWS_SECRET_ACCESS_KEY: "tbLeakAwsSecret0123/456789+abcdefGHIJKLM",
  AWS_SESSION_TOKEN: "tbleakSessionToken//////////wEaCXVzLWVhc3QtMSJHMEUCIQ",
  API_KEY_HEADER: "tbleak-azure-api-key-4e5f6a7b8c9d",
  X_API_KEY_HEADER: "tbleak-x-api-key-0a1b2c3d4e5f",
  METADATA_TOKEN: "tbleak-metadata-token-998877",
  URL_PASSWORD: "tbleak-url-password-6655",
};

/** Every secret, and a distinctive middle piece of it (a partial leak is a leak). */
const NEEDLES = Object.values(SECRETS).flatMap((s) => [s, s.slice(4, -4)]);

function assertNoSecret(text: string, where: string) {
  for (const needle of NEEDLES) {
    assert(!text.includes(needle), `${where} contains a secret (${needle.slice(0, 12)}…)`);
  }
  assert(!/tbleak/i.test(text), `${where} contains part of a secret`);
}

async function filesUnder(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await filesUnder(path));
    else out.push([path, await Deno.readTextFile(path)]);
  }
  return out;
}

/** A hostile endpoint: answers every request with an error that repeats all request headers. */
function startEchoServer() {
  let n = 0;
  let echoed = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.text().catch(() => "");
    const headers = JSON.stringify(Object.fromEntries(req.headers));
    const auth = req.headers.get("authorization") ?? "";
    if (/tbleak|AKIA|\/\//.test(headers)) echoed++;
    const url = new URL(req.url);
    if (url.pathname.startsWith("/model/")) {
      // Bedrock: an access-denied exception quoting the signature and the session token.
      return new Response(
        JSON.stringify({
          message: `Signature mismatch for ${auth}; token ${
            req.headers.get("x-amz-security-token")
          }; all: ${headers}`,
        }),
        {
          status: 403,
          headers: {
            "content-type": "application/json",
            "x-amzn-errortype": "AccessDeniedException",
          },
        },
      );
    }
    if (!url.pathname.endsWith("/completions")) return new Response("no", { status: 404 });
    switch (n++ % 3) {
      case 0:
        return Response.json(
          { error: { message: `Incorrect API key provided: ${auth}. Headers: ${headers}` } },
          { status: 401 },
        );
      case 1: {
        const chunk = JSON.stringify({ choices: [{ delta: { content: "hi" } }] });
        const error = JSON.stringify({
          error: { message: `key ${auth} api-key=${req.headers.get("api-key")} ${headers}` },
        });
        return new Response(`data: ${chunk}\n\ndata: ${error}\n\n`, {
          headers: { "content-type": "text/event-stream" },
        });
      }
      default:
        return new Response(`upstream said: ${headers} ${auth}`, { status: 500 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, echoed: () => echoed, server };
}

async function bench(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      BENCH,
      "--model",
      "anthropic.claude-3-haiku-20240307-v1:0",
      "--max-num-completed-requests",
      "9",
      "--num-concurrent-requests",
      "3",
      "--mean-input-tokens",
      "20",
      "--mean-output-tokens",
      "10",
      ...args,
    ],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("no secret appears in any file written or anything printed, OpenAI and Bedrock, error paths included", async () => {
  const sim = await startSimulator({
    ttftMs: 2,
    itlMs: 1,
    errorRate: 0.3,
    streamErrorRate: 0.3,
    seed: 2,
  });
  const echo = startEchoServer();
  const tmp = await Deno.makeTempDir();
  const env = {
    OPENAI_API_KEY: SECRETS.OPENAI_API_KEY,
    AWS_ACCESS_KEY_ID: SECRETS.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRETS.AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN: SECRETS.AWS_SESSION_TOKEN,
    AWS_REGION: "us-east-1",
  };
  const closedPort = (() => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    return port;
  })();
  try {
    const metadata = `team=perf,api_key=${SECRETS.METADATA_TOKEN}`;
    const runs = [
      ["openai, simulator", ["--base-url", `${sim.url}/v1`, "--metadata", metadata]],
      ["openai, echoing endpoint", ["--base-url", `${echo.url}/v1`, "--metadata", metadata]],
      ["bedrock, simulator", ["--llm-api", "bedrock", "--endpoint-url", sim.url]],
      ["bedrock, echoing endpoint", ["--llm-api", "bedrock", "--endpoint-url", echo.url]],
      [
        "unreachable endpoint with a password in the URL",
        ["--base-url", `http://tbuser:${SECRETS.URL_PASSWORD}@127.0.0.1:${closedPort}/v1`],
      ],
    ] as const;
    let errorRecords = 0;
    for (const [i, [name, args]] of runs.entries()) {
      const dir = `${tmp}/run${i}`;
      const r = await bench([...args, "--results-dir", dir], env);
      assertNoSecret(r.stdout, `${name}: stdout`);
      assertNoSecret(r.stderr, `${name}: stderr`);
      if (i === runs.length - 1) {
        assertEquals(r.code, 2, r.stderr);
        continue;
      }
      assertEquals(r.code, 0, `${name}: ${r.stderr}`);
      assert(r.stderr.includes("done |"), `${name}: the progress output was searched too`);
      const written = await filesUnder(dir);
      assertEquals(written.length, 7, `${name}: files`);
      for (const [path, text] of written) assertNoSecret(text, `${name}: ${path}`);
      const jsonl = written.find(([p]) => p.endsWith("requests.jsonl"))![1];
      errorRecords += (jsonl.match(/"status":"error"/g) ?? []).length;
      if (i === 0) {
        const summary = JSON.parse(written.find(([p]) => p.endsWith("/summary.json"))![1]);
        assertEquals(summary.metadata.userMetadata, { team: "perf", api_key: "[redacted]" });
      }
    }
    assert(echo.echoed() >= 18, `the endpoints echoed secrets back (${echo.echoed()} times)`);
    assert(errorRecords >= 20, `error paths exercised (${errorRecords} error records)`);
    assertNoSecret(JSON.stringify(sim.log()), "the simulator's log");
  } finally {
    await sim.close();
    await echo.server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("api-key and x-api-key header values never reach records or files", async () => {
  const echo = startEchoServer();
  const dir = await Deno.makeTempDir();
  try {
    const client = createOpenAiClient({
      baseUrl: `${echo.url}/v1`,
      headers: { "api-key": SECRETS.API_KEY_HEADER, "x-api-key": SECRETS.X_API_KEY_HEADER },
    });
    const result = await runBenchmark(client, {
      model: "m",
      maxRequests: 6,
      concurrency: 2,
      prompt: () => ({ prompt: "hi", inputTokens: 1, maxOutputTokens: 4 }),
    });
    assertEquals(result.records.filter((r) => r.status === "error").length, 6);
    assert(echo.echoed() >= 6, "the endpoint echoed the headers");
    assertNoSecret(JSON.stringify(result.records), "records");
    const metadata = {
      llmApi: "openai",
      model: "m",
      endpoint: `${echo.url}/v1?api-key=${SECRETS.API_KEY_HEADER}`,
      simulated: false,
      tokenizer: "cl100k_base",
      promptMode: "llmperf",
      seed: 0,
      meanInputTokens: 1,
      stddevInputTokens: 0,
      meanOutputTokens: 4,
      stddevOutputTokens: 0,
      numConcurrentRequests: 2,
      rate: null,
      arrival: null,
      maxInFlight: null,
      maxRequests: 6,
      warmup: 0,
      timeoutS: 60,
      requestTimeoutS: null,
      additionalSamplingParams: { headers: { "x-api-key": SECRETS.X_API_KEY_HEADER } },
      userMetadata: {},
    } satisfies RunMetadata;
    await writeRunFiles(dir, { ...result, metadata });
    for (const [path, text] of await filesUnder(dir)) assertNoSecret(text, path);
  } finally {
    await echo.server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("redactSecrets() removes known secrets, header values, AWS keys, bearer tokens and URL passwords", () => {
  const secret = "s3cr3t/with+chars=";
  const cases: [string, string][] = [
    [`key is ${secret}`, "key is [redacted]"],
    [`encoded ${encodeURIComponent(secret)}`, "encoded [redacted]"],
    ["Authorization: Bearer abcdef123456", "Authorization: [redacted]"],
    [
      '{"authorization":"AWS4-HMAC-SHA256 Credential=AKIAXX/x, Signature=ff"}',
      '{"authorization":"[redacted]"}',
    ],
    ["then Bearer abc.def-ghi_123 failed", "then Bearer [redacted] failed"],
    ["api-key: 12345678abc", "api-key: [redacted]"],
    ['"x-api-key":"zz99zz99"', '"x-api-key":"[redacted]"'],
    ["X-Amz-Security-Token=IQoJb3JpZ2lu&x=1", "X-Amz-Security-Token=[redacted]&x=1"],
    ["Credential=AKIAIOSFODNN7EXAMPLE/2024/us-east-1", "Credential=[redacted]"],
    ["key AKIAIOSFODNN7EXAMPLE used", "key [redacted] used"],
    ["secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY!", "secret [redacted]!"],
    ["https://user:pa55@host/v1", "https://[redacted]@host/v1"],
    ["key sk-proj-abcdefghijklmnop1234 bad", "key [redacted] bad"],
    [
      "Incorrect API key provided: sk-proj-****abcd",
      "Incorrect API key provided: sk-proj-****abcd",
    ],
    ["HTTP 500: Simulated HTTP 500 error", "HTTP 500: Simulated HTTP 500 error"],
    [
      "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2 is a sha1",
      "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2 is a sha1",
    ],
  ];
  for (const [input, expected] of cases) {
    assertEquals(redactSecrets(input, { secrets: [secret] }), expected, input);
  }
  const object = {
    model: "m",
    outputTokens: 5,
    tokenizer: "llama2",
    headers: { Authorization: "Bearer x", "api-key": "k", accept: "text/event-stream" },
    list: [{ sessionToken: "t", note: `uses ${secret}` }],
    nested: { password: 1234 },
  };
  assertEquals(redactSecrets(object, { secrets: [secret] }) as unknown, {
    model: "m",
    outputTokens: 5,
    tokenizer: "llama2",
    headers: { Authorization: "[redacted]", "api-key": "[redacted]", accept: "text/event-stream" },
    list: [{ sessionToken: "[redacted]", note: "uses [redacted]" }],
    nested: { password: "[redacted]" },
  });
  assertEquals(object.headers.Authorization, "Bearer x", "the input is not changed");
});

Deno.test("isSecretName() and secretsFromEnv() pick out secret names, not token counts", () => {
  for (
    const name of [
      "OPENAI_API_KEY",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_ACCESS_KEY_ID",
      "api-key",
      "x-api-key",
      "X-Amz-Security-Token",
      "apiKey",
      "HF_TOKEN",
      "cookie",
    ]
  ) {
    assert(isSecretName(name), name);
  }
  for (
    const name of [
      "outputTokens",
      "maxTokens",
      "max_tokens",
      "tokenizer",
      "monkey",
      "keyboard",
      "AWS_REGION",
      "OPENAI_API_BASE",
      // The working folder is no secret: taking it for one would redact every printed path.
      "PWD",
      "OLDPWD",
      "author",
      "signal",
    ]
  ) {
    assert(!isSecretName(name), name);
  }
  for (const name of ["auth", "extra_auth", "sig", "passphrase"]) assert(isSecretName(name), name);
  assertEquals(
    secretsFromEnv({
      OPENAI_API_KEY: "sk-abcdef",
      AWS_SESSION_TOKEN: "tok-123456",
      HOME: "/root",
      GITHUB_TOKEN: "x",
    }).sort(),
    ["sk-abcdef", "tok-123456"],
  );
});

/** Secrets configured every other way; random-looking, so that no 8-character piece of one
 * occurs in ordinary output. */
const MORE = {
  OPENAI_API_KEY: "sk-Qv7ZrT2mXw9LpK4nB8dJ6fHs3YcE1uGa",
  QUERY_KEY: "Hq3Wz8Rk5Tn2Vm7Xp4Ld",
  QUERY_CODE: "Zc9Ub4Ej6Np1Qs8Wy3Tf",
  QUERY_SIG: "Mk2Ry7Gv5Bh9Lw3Dq6Xa",
  URL_PASSWORD: "Pw8Kt3Nz6Rb1Yf4Jm9Hc",
  EXTRA_AUTH: "Ea5Gd2Vq8Ms7Lp3Tx9Wk",
  METADATA_KEY: "Md4Hs9Cz2Fy6Rn1Bk7Qv",
};

/** Every 8-character piece of every secret of `MORE`. */
const PIECES = Object.values(MORE).flatMap((s) =>
  Array.from({ length: s.length - 7 }, (_, i) => s.slice(i, i + 8))
);

function assertNoPiece(text: string, where: string) {
  for (const piece of PIECES) {
    assert(!text.includes(piece), `${where} contains a piece of a secret (${piece})`);
  }
}

/**
 * A hostile OpenAI-compatible endpoint: a 401 whose message quotes the key after a long
 * preamble (past the 500-character cut), a stream whose answer text is the request's headers,
 * URL and body (kept with --keep-text), and a 500 quoting the URL.
 */
function startHostileServer() {
  let n = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text().catch(() => "");
    const url = new URL(req.url);
    if (!url.pathname.endsWith("/completions")) return new Response("no", { status: 404 });
    const auth = req.headers.get("authorization") ?? "";
    const headers = JSON.stringify(Object.fromEntries(req.headers));
    switch (n++ % 3) {
      case 0:
        return Response.json({
          error: {
            message: `${"The request could not be authenticated. ".repeat(11)}` +
              `Incorrect API key provided: ${auth.replace(/^Bearer /, "")} for ${req.url}`,
          },
        }, { status: 401 });
      case 1: {
        const chunk = (text: string) =>
          `data: ${JSON.stringify({ choices: [{ delta: { content: text } }] })}\n\n`;
        return new Response(
          chunk(`headers ${headers} `) + chunk(`url ${req.url} `) + chunk(`body ${body}`) +
            `data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: "stop" }] })}\n\n` +
            "data: [DONE]\n\n",
          { headers: { "content-type": "text/event-stream" } },
        );
      }
      default:
        return new Response(`upstream failed for ${req.url} with ${auth}`, { status: 500 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, served: () => n, server };
}

Deno.test("every configured secret and every 8-character piece of one stays out of every file and both streams", async () => {
  const hostile = startHostileServer();
  const sim = await startSimulator({ ttftMs: 2, itlMs: 1, seed: 3 });
  const tmp = await Deno.makeTempDir();
  const env = { OPENAI_API_KEY: MORE.OPENAI_API_KEY };
  const query = `?key=${MORE.QUERY_KEY}&code=${MORE.QUERY_CODE}&Sig=${MORE.QUERY_SIG}`;
  const common = [
    "--keep-text",
    "--metadata",
    `team=perf,api_key=${MORE.METADATA_KEY}`,
    "--additional-sampling-params",
    JSON.stringify({ extra_body: { auth: MORE.EXTRA_AUTH } }),
  ];
  const host = (url: string) => url.replace(/^http:\/\//, "");
  try {
    const runs = [
      ["hostile endpoint, key in the query", [
        "--base-url",
        `http://tbuser:${MORE.URL_PASSWORD}@${host(hostile.url)}/v1${query}`,
        ...common,
      ]],
      ["simulator, key in the query", ["--base-url", `${sim.url}/v1${query}`, ...common]],
    ] as const;
    for (const [i, [name, args]] of runs.entries()) {
      const dir = `${tmp}/run${i}`;
      const r = await bench([...args, "--results-dir", dir], env);
      assertEquals(r.code, 0, `${name}: ${r.stderr}`);
      assertNoPiece(r.stdout, `${name}: stdout`);
      assertNoPiece(r.stderr, `${name}: stderr`);
      const written = await filesUnder(dir);
      // LLMPerf's two files, requests.jsonl, summary.json, the CSV, tables.md and report.html.
      assertEquals(written.length, 7, `${name}: files`);
      assert(written.some(([p]) => p.endsWith("/report.html")), `${name}: report.html searched`);
      for (const [path, text] of written) assertNoPiece(text, `${name}: ${path}`);
      const jsonl = written.find(([p]) => p.endsWith("requests.jsonl"))![1];
      const summary = JSON.parse(written.find(([p]) => p.endsWith("/summary.json"))![1]);
      assert(summary.metadata.endpoint.includes("key=[redacted]"), summary.metadata.endpoint);
      assertEquals(summary.metadata.additionalSamplingParams, {
        extra_body: { auth: "[redacted]" },
      });
      if (i === 0) {
        // The answers that echo the request were kept, with the secrets taken out.
        assert(jsonl.includes("headers {"), "the echoed headers were kept as text");
        assert(jsonl.includes("Incorrect API key provided"), "the 401's message was kept");
      }
    }
    // `deno task correctness` keeps every answer's text: the echoed request stays out too.
    const CORRECTNESS = new URL("../../scripts/llm_correctness.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        CORRECTNESS,
        "--model",
        "m",
        "--base-url",
        `http://tbuser:${MORE.URL_PASSWORD}@${host(hostile.url)}/v1${query}`,
        "--max-num-completed-requests",
        "6",
        "--num-concurrent-requests",
        "2",
        "--metadata",
        `api_key=${MORE.METADATA_KEY}`,
        "--additional-sampling-params",
        JSON.stringify({ extra_body: { auth: MORE.EXTRA_AUTH } }),
        "--results-dir",
        `${tmp}/correctness`,
      ],
      env: { NO_COLOR: "1", ...env },
      stdin: "null",
    }).output();
    const dec = new TextDecoder();
    assertEquals(out.code, 0, dec.decode(out.stderr));
    assertNoPiece(dec.decode(out.stdout), "correctness: stdout");
    assertNoPiece(dec.decode(out.stderr), "correctness: stderr");
    const correctnessFiles = await filesUnder(`${tmp}/correctness`);
    assertEquals(correctnessFiles.length, 3, "correctness files");
    for (const [path, text] of correctnessFiles) assertNoPiece(text, `correctness: ${path}`);
    assert(
      correctnessFiles.some(([, text]) => text.includes("headers {")),
      "the echoed headers were kept as text",
    );
    assert(hostile.served() >= 15, `the hostile endpoint answered (${hostile.served()})`);
    // A URL without a scheme, with a password: refused, and the password is not printed.
    const r = await bench(
      ["--base-url", `tbuser:${MORE.URL_PASSWORD}@${host(sim.url)}/v1`, "--results-dir", tmp],
      env,
    );
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("--base-url"), r.stderr);
    assertNoPiece(r.stdout + r.stderr, "a scheme-less URL's error");
  } finally {
    await sim.close();
    await hostile.server.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("redactSecrets() removes every 8-character piece of a known secret, credential query parameters and scheme-less user info", () => {
  const key = "Kx4Lm8Qz2Wv6Rt9Yb3Nc";
  assertEquals(
    redactSecrets(`Incorrect API key provided: ${key.slice(0, 12)}…`, { secrets: [key] }),
    "Incorrect API key provided: [redacted]…",
  );
  assertEquals(
    redactSecrets(`masked ${key.slice(0, 9)}****${key.slice(-9)}`, { secrets: [key] }),
    "masked [redacted]****[redacted]",
  );
  assertEquals(redactSecrets(`short ${key.slice(0, 7)}`, { secrets: [key] }), `short Kx4Lm8Q`);
  assertEquals(
    redactSecrets("http://h/v1?api-version=2024-10-21&key=a&CODE=b&sig=c&access_token=d&x=1"),
    "http://h/v1?api-version=2024-10-21&key=[redacted]&CODE=[redacted]&sig=[redacted]" +
      "&access_token=[redacted]&x=1",
  );
  assertEquals(
    redactSecrets("not an http(s) URL: 'me:hunter2@127.0.0.1:8000/v1'"),
    "not an http(s) URL: '[redacted]@127.0.0.1:8000/v1'",
  );
  assertEquals(redactSecrets({ extra_body: { auth: "x" }, errorCode: 5 }) as unknown, {
    extra_body: { auth: "[redacted]" },
    errorCode: 5,
  });
  assertEquals(redactSecrets("at 12:30 the ratio was 3:4"), "at 12:30 the ratio was 3:4");
  // A placeholder key's words stay in ordinary text; the key itself does not.
  const placeholder = { secrets: ["sk-no-key-required"] };
  assertEquals(redactSecrets("--model is required", placeholder), "--model is required");
  assertEquals(redactSecrets("key sk-no-key-required", placeholder), "key [redacted]");
  assertEquals(redactSecrets("cut sk-no-key-re…", placeholder), "cut [redacted]…");
});

Deno.test("configuredSecrets() takes URL credentials from URL flags and URLs, not from any value with an @", async () => {
  const { configuredSecrets } = await import("../../lib/cli/configured_secrets.ts");
  const s = configuredSecrets({
    args: [
      "--base-url",
      "tbuser:Pw8Kt3Nz6R@127.0.0.1:8000/v1",
      "--endpoint-url=http://127.0.0.1:9/?sig=Zc9Ub4Ej6N",
      "--model",
      "meta-llama@instruct/v2",
      "--metadata",
      "owner=someone@example.com",
      "--corpus",
      "https://ab:Cd3Ef4Gh5I@example.com/corpus.txt",
    ],
  });
  for (const v of ["Pw8Kt3Nz6R", "Zc9Ub4Ej6N", "Cd3Ef4Gh5I"]) assert(s.includes(v), v);
  for (const v of ["meta-llama", "owner=someone", "someone"]) assert(!s.includes(v), v);
});
