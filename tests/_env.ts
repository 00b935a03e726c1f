/**
 * Runs `fn` with the environment variables `vars` set (a value) or removed (`undefined`),
 * restoring each one's previous value afterwards.
 */
export async function withEnv<T>(
  vars: Record<string, string | undefined>,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = Object.keys(vars).map((name) => [name, Deno.env.get(name)] as const);
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) Deno.env.delete(name);
    else Deno.env.set(name, value);
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
}

/** Fake AWS credentials in the shape of real ones, for the SDK's default chain. */
export const FAKE_AWS = {
  AWS_ACCESS_KEY_ID: "AKIATOKENBENCHFAKE01",
  AWS_SECRET_ACCESS_KEY: "TokenbenchFakeSecretDoNotLeak/0123456789",
  AWS_SESSION_TOKEN: undefined,
} as const;
