import { assertEquals } from "../_assert.ts";

Deno.test("importing tokenbench inside a user's own Worker leaves its message handler alone", async () => {
  const dir = await Deno.makeTempDir();
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const file = `${dir}/user_worker.ts`;
  await Deno.writeTextFile(
    file,
    `import * as tokenbench from ${JSON.stringify(mod)};
const untouched = (self as unknown as { onmessage: unknown }).onmessage === null;
self.onmessage = (event: MessageEvent) => {
  self.postMessage({ untouched, echo: event.data, exports: Object.keys(tokenbench).length > 0 });
};
`,
  );
  const worker = new Worker(new URL(`file://${file}`).href, { type: "module" });
  try {
    const reply = new Promise<unknown>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
    });
    worker.postMessage("ping");
    assertEquals(await reply, { untouched: true, echo: "ping", exports: true });
  } finally {
    worker.terminate();
    await Deno.remove(dir, { recursive: true });
  }
});
