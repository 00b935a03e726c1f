/**
 * The one place that removes secrets (API keys, AWS secret keys, session tokens,
 * `Authorization`/`api-key`/`x-api-key` header values, signatures) from a message or a
 * JSON-ready object before it is printed or written.
 *
 * @module
 */

/** Options of {@link redactSecrets}. */
export interface RedactSecretsOptions {
  /**
   * Secret values known to the caller (the API key, `AWS_SECRET_ACCESS_KEY`, a session token,
   * a URL's password; see {@link secretsFromEnv} and {@link secretsFromUrl}): removed wherever
   * they appear, also URL-encoded or JSON-escaped, and so is every piece of 8 or more
   * characters of one (a key cut short by a message's length cap, or masked in its middle, is
   * still a leak) that is not lowercase letters only. Values shorter than 6 characters are ignored (they would remove ordinary
   * text). Default none.
   */
  secrets?: readonly string[];
  /** What a secret is replaced with. Default `"[redacted]"`. */
  replacement?: string;
}

const _MIN_SECRET_LENGTH = 6;
/** Length of the pieces of a known secret that are removed wherever they appear. */
const _PIECE_LENGTH = 8;

/** Words of a field or variable name: `x-api-key` → x, api, key; `sessionToken` → session, token. */
function _words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const _SECRET_WORDS = new Set([
  "authorization",
  "cookie",
  "password",
  "passwd",
  "secret",
  "credential",
  "credentials",
  "signature",
  "token",
  "apikey",
  "bearer",
  "auth",
  "passphrase",
  "sig",
]);

/**
 * Whether a field, header or environment variable name says its value is a secret:
 * `Authorization`, `api-key`, `x-api-key`, `OPENAI_API_KEY`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`, `X-Amz-Security-Token`, `password`, `cookie`, `auth`, `sig`, `…Key`,
 * `…Token`, `…Secret`.
 * Counts such as `outputTokens` or `maxTokens` (plural) and `tokenizer` are not secrets.
 *
 * @example Names
 * ```ts
 * import { isSecretName } from "./redact_secrets.ts";
 * for (const name of ["api-key", "x-api-key", "Authorization", "AWS_SESSION_TOKEN", "apiKey"]) {
 *   if (!isSecretName(name)) throw new Error(name);
 * }
 * for (const name of ["outputTokens", "maxTokens", "tokenizer", "monkey", "model"]) {
 *   if (isSecretName(name)) throw new Error(name);
 * }
 * ```
 */
export function isSecretName(name: string): boolean {
  const words = _words(name);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (_SECRET_WORDS.has(w)) return true;
    // `…_KEY`, `api-key`, `AWS_ACCESS_KEY_ID`: a key word at the end or before `id`
    if (w === "key" && (i === words.length - 1 || words[i + 1] === "id")) return true;
  }
  return false;
}

/**
 * The values of environment variables whose names say they are secrets ({@link isSecretName}:
 * `OPENAI_API_KEY`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ACCESS_KEY_ID`,
 * `AZURE_OPENAI_API_KEY`, `HF_TOKEN`, …), for {@link RedactSecretsOptions.secrets}. Pure: pass
 * `Deno.env.toObject()` from a script's `main`. The shell's working directory (`PWD`) is
 * no secret: `pwd` is not one of the secret words, or every path under it would be redacted.
 *
 * @example
 * ```ts
 * import { secretsFromEnv } from "./redact_secrets.ts";
 * const s = secretsFromEnv({
 *   OPENAI_API_KEY: "sk-test-123456", HOME: "/home/me", PWD: "/work/project",
 * });
 * if (s.length !== 1 || s[0] !== "sk-test-123456") throw new Error(String(s));
 * ```
 */
export function secretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "string" && value.length >= _MIN_SECRET_LENGTH && isSecretName(name)) {
      out.push(value);
    }
  }
  return out;
}

/**
 * The credentials a URL carries, for {@link RedactSecretsOptions.secrets}: the user name and
 * password of its user info (also in a URL written without a scheme, `user:pass@host/v1`), and
 * the values of query parameters whose names say they are credentials (`key`, `code`, `sig`,
 * `token`, `secret`, `password`, `auth`, …, any case). Text that is no URL gives none. Pure.
 *
 * @example
 * ```ts
 * import { secretsFromUrl } from "./redact_secrets.ts";
 * const s = secretsFromUrl("https://me:pa55word@host/v1?api-version=1&code=abc123XYZ");
 * if (s.join() !== "me,pa55word,abc123XYZ") throw new Error(s.join());
 * if (secretsFromUrl("me:pa55word@127.0.0.1:80/v1").join() !== "me,pa55word") throw new Error();
 * ```
 */
export function secretsFromUrl(text: string | undefined): string[] {
  if (typeof text !== "string" || text === "") return [];
  let url: URL | undefined;
  for (const candidate of [text, `http://${text}`]) {
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (url.host !== "") break;
    url = undefined;
  }
  if (url === undefined) return [];
  const out: string[] = [];
  const add = (value: string) => {
    for (const v of new Set([value, _decode(value)])) if (v !== "" && !out.includes(v)) out.push(v);
  };
  add(url.username);
  add(url.password);
  for (const [name, value] of url.searchParams) if (_SECRET_PARAM.test(name)) add(value);
  return out;
}

function _decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Forms a known secret may take in text: as is, URL-encoded, JSON-escaped. */
function _forms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < _MIN_SECRET_LENGTH) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  // Longest first, so that a secret containing another is removed whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * Every {@link _PIECE_LENGTH}-character window of every form of a known secret, but windows of
 * lowercase letters only: a word of a placeholder key (`sk-no-key-required`) would otherwise
 * be taken out of ordinary text ("--model is required"), and such a window of a random key
 * tells next to nothing.
 */
function _pieces(forms: readonly string[]): Set<string> {
  const pieces = new Set<string>();
  for (const form of forms) {
    for (let i = 0; i + _PIECE_LENGTH <= form.length; i++) {
      const piece = form.slice(i, i + _PIECE_LENGTH);
      if (!/^[a-z]+$/.test(piece)) pieces.add(piece);
    }
  }
  return pieces;
}

/** `text` with every run of characters covered by a piece of a known secret replaced. */
function _removePieces(text: string, pieces: Set<string>, replacement: string): string {
  if (pieces.size === 0 || text.length < _PIECE_LENGTH) return text;
  let out = "";
  let kept = 0; // text before `kept` is in `out` (or replaced)
  let coverEnd = -1; // end of the run being replaced
  for (let i = 0; i + _PIECE_LENGTH <= text.length; i++) {
    if (!pieces.has(text.slice(i, i + _PIECE_LENGTH))) continue;
    if (i > coverEnd) {
      if (coverEnd >= 0) {
        out += replacement;
        kept = coverEnd;
      }
      out += text.slice(kept, i);
    }
    coverEnd = i + _PIECE_LENGTH;
  }
  if (coverEnd < 0) return text;
  return out + replacement + text.slice(coverEnd);
}

/** Words of a query parameter's name that say its value is a credential (`?key=`, `?code=`,
 * `?sig=`, `?token=`, `?X-Amz-Signature=`, `?access_token=`, `?password=`, `?auth=`). */
const _SECRET_PARAM =
  /key|code|sig|token|secret|passw|pwd|auth|credential|session|cookie|bearer|jwt/i;

const _HEADER_NAMES = String.raw`(?:proxy-)?authorization|x-api-key|api[-_]?key|apikey|` +
  String.raw`x-amz-security-token|x-amz-signature|x-amz-credential|aws_secret_access_key|` +
  String.raw`aws_session_token|secret[-_]?access[-_]?key|session[-_]?token|access[-_]?token|` +
  String.raw`refresh[-_]?token|client[-_]?secret|password|cookie`;

/** [pattern, replacement] pairs applied to every string, in order. `R` is the replacement. */
function _patterns(r: string): [RegExp, string | ((...m: string[]) => string)][] {
  return [
    // `Authorization: AWS4-HMAC-SHA256 Credential=…, Signature=…` and `Bearer …`: the whole value
    [
      new RegExp(String.raw`\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)[^"'\n\r]+`, "gi"),
      `$1$2${r}`,
    ],
    [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${r}`],
    // `api-key: …`, `"x-api-key":"…"`, `X-Amz-Security-Token=…`, `password=…`
    [
      new RegExp(String.raw`\b(${_HEADER_NAMES})(["']?\s*[:=]\s*["']?)([^\s"'&,;]+)`, "gi"),
      `$1$2${r}`,
    ],
    [/\b(Credential|Signature|SignedHeaders|Token)=[^\s,&"']+/gi, `$1=${r}`],
    // query parameters whose names say they carry a credential: `?key=…`, `&sig=…`
    [
      /([?&;])([A-Za-z0-9_.\-[\]]+)=([^&#\s"'<>]+)/g,
      (m: string, sep: string, name: string, value: string) =>
        _SECRET_PARAM.test(name) && value !== r ? `${sep}${name}=${r}` : m,
    ],
    // user info in URLs, with a scheme (`https://u:p@host`) or without (`u:p@host:port/v1`)
    [/([a-z][a-z0-9+.-]*:\/\/)[^/\s@"']+@/gi, `$1${r}@`],
    [
      /(^|[\s"'(<=,;])([^\s/@:"'<>()[\],;]+):([^\s/@"'<>]+)@(?=[A-Za-z0-9[])/g,
      `$1${r}@`,
    ],
    // key formats: OpenAI/Anthropic `sk-…`, AWS access key ids, JWTs
    [/\bsk-[A-Za-z0-9_-]{16,}/g, r],
    [/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, r],
    [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, r],
    // a 40-character AWS secret access key: mixed case and digits
    [
      /(^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g,
      (m: string, pre: string, key: string) =>
        /[a-z]/.test(key) && /[A-Z]/.test(key) && /[0-9]/.test(key) ? pre + r : m,
    ],
  ];
}

function _redactString(text: string, known: _Known, replacement: string): string {
  let out = text;
  for (const secret of known.forms) {
    if (out.includes(secret)) out = out.split(secret).join(replacement);
  }
  out = _removePieces(out, known.pieces, replacement);
  for (const [pattern, replace] of _patterns(replacement)) {
    out = out.replace(pattern, replace as string);
  }
  return out;
}

/** The known secrets: their forms, and the pieces of those. */
interface _Known {
  forms: string[];
  pieces: Set<string>;
}

function _redact(value: unknown, forms: _Known, replacement: string, depth: number): unknown {
  if (typeof value === "string") return _redactString(value, forms, replacement);
  if (value === null || typeof value !== "object" || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => _redact(v, forms, replacement, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSecretName(key) && (typeof v === "string" || typeof v === "number")
      ? replacement
      : _redact(v, forms, replacement, depth + 1);
  }
  return out;
}

/**
 * Removes secrets from a string, or from every string of a JSON-ready value (arrays and plain
 * objects are copied, never changed in place; other objects are returned as they are):
 *
 * - the `secrets` given, also URL-encoded or JSON-escaped, and every piece of 8 or more
 *   characters of them that are not lowercase letters only (a run of text covered by such
 *   pieces is replaced as one);
 * - values of fields whose names say they are secrets ({@link isSecretName}: `Authorization`,
 *   `api-key`, `x-api-key`, `apiKey`, `sessionToken`, `password`, …);
 * - in text: `Authorization: …` values, `Bearer …`/`Basic …` credentials, `api-key: …`,
 *   `x-api-key=…`, `X-Amz-Security-Token=…`, `Credential=`/`Signature=` of AWS signatures,
 *   query parameters whose names say they carry a credential (`?key=`, `?code=`, `?sig=`,
 *   `?token=`, `?access_token=`, `?password=`, `?auth=`, any case), user info in URLs (also
 *   without a scheme: `user:pass@host`), `sk-…` API keys, AWS access key ids (`AKIA…`, `ASIA…`), JWTs, and
 *   40-character AWS secret access keys.
 *
 * Numbers and answer text without such patterns are left alone, so records stay comparable.
 *
 * @example A message and an object
 * ```ts
 * import { redactSecrets } from "./redact_secrets.ts";
 * const message = redactSecrets("HTTP 401: bad key sk-test-abcdefghijklmnop0123 (Authorization: Bearer xyz123456)");
 * if (message.includes("sk-test") || message.includes("xyz123456")) throw new Error(message);
 * const meta = redactSecrets({ model: "m", headers: { "api-key": "s3cret-value" }, maxTokens: 5 });
 * if (meta.headers["api-key"] !== "[redacted]" || meta.maxTokens !== 5) throw new Error("object");
 * const known = redactSecrets("echo: my-own-secret-42", { secrets: ["my-own-secret-42"] });
 * if (known !== "echo: [redacted]") throw new Error(known);
 * ```
 */
export function redactSecrets(value: string, options?: RedactSecretsOptions): string;
export function redactSecrets<T>(value: T, options?: RedactSecretsOptions): T;
export function redactSecrets<T>(value: T, options: RedactSecretsOptions = {}): T {
  const replacement = options.replacement ?? "[redacted]";
  if (typeof replacement !== "string") {
    throw new TypeError(
      `Cannot redact secrets: 'replacement' must be a string, got ${typeof replacement}`,
    );
  }
  if (options.secrets !== undefined && !Array.isArray(options.secrets)) {
    throw new TypeError(
      `Cannot redact secrets: 'secrets' must be an array of strings, got ${typeof options
        .secrets}`,
    );
  }
  const forms = _forms(options.secrets ?? []);
  return _redact(value, { forms, pieces: _pieces(forms) }, replacement, 0) as T;
}
