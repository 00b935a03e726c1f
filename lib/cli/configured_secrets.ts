/**
 * Every secret value a command was given, in whatever way: for the one redactor
 * (`redactSecrets`) that every string leaving the process passes.
 *
 * @module
 */
import { isSecretName, secretsFromEnv, secretsFromUrl } from "../core/redact_secrets.ts";

/** What {@link configuredSecrets} looks through. */
export interface ConfiguredSecretsInput {
  /** The command line as given. Default none. */
  args?: readonly string[];
  /** The environment. Default none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Parsed values that may hold secrets under secret-looking keys (the sampling parameters'
   * `{"extra_body":{"auth":…}}`, `--metadata api_key=…`). Default none. */
  values?: readonly unknown[];
}

/** Names of environment variables and flags that hold an endpoint URL (which may carry
 * credentials): `OPENAI_API_BASE`, `--base-url`, `--endpoint-url`, … */
const _URL_VARIABLE = /URL|BASE|ENDPOINT|HOST/i;

function _secretValues(value: unknown, out: string[], depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 32) return;
  for (const [key, v] of Object.entries(value)) {
    if (isSecretName(key) && (typeof v === "string" || typeof v === "number")) out.push(String(v));
    else _secretValues(v, out, depth + 1);
  }
}

/**
 * The secret values of a command's input: environment variables whose names say they are
 * secrets (`OPENAI_API_KEY`, `AWS_SECRET_ACCESS_KEY`, …), the credentials of every URL given
 * (user info and credential query parameters of `--base-url`, `--endpoint-url`,
 * `OPENAI_API_BASE`, …, with or without a scheme), the value of any flag whose name says it is
 * a secret (`--access-token`), and values under secret-looking keys of `values`.
 *
 * @example
 * ```ts
 * import { configuredSecrets } from "./configured_secrets.ts";
 * const s = configuredSecrets({
 *   args: ["--base-url", "http://127.0.0.1:8000/v1?key=k3y-in-the-url", "--access-token", "ya29.tok3n"],
 *   env: { OPENAI_API_KEY: "sk-from-the-env" },
 *   values: [{ extra_body: { auth: "hunter2hunter2" } }],
 * });
 * for (const v of ["k3y-in-the-url", "ya29.tok3n", "sk-from-the-env", "hunter2hunter2"]) {
 *   if (!s.includes(v)) throw new Error(v);
 * }
 * ```
 */
export function configuredSecrets(input: ConfiguredSecretsInput): string[] {
  const out = secretsFromEnv(input.env ?? {});
  for (const [name, value] of Object.entries(input.env ?? {})) {
    if (typeof value === "string" && _URL_VARIABLE.test(name)) out.push(...secretsFromUrl(value));
  }
  const args = input.args ?? [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== "string" || !arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq > 0 ? arg.slice(eq + 1) : args[i + 1];
    if (typeof value !== "string") continue;
    if (isSecretName(name)) out.push(value);
    // A URL flag's credentials, with or without a scheme; any other value only when it is a
    // URL with a scheme (`--model me@org` names no user).
    if (_URL_VARIABLE.test(name) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      out.push(...secretsFromUrl(value));
    }
  }
  for (const value of input.values ?? []) _secretValues(value, out);
  return [...new Set(out.filter((s) => s !== ""))];
}
