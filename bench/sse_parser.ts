/**
 * Compares tokenbench's candidate SSE parser (`bench/_sse_parser.ts`) with npm `eventsource-parser` on an
 * OpenAI-style stream fed three ways: one event per feed (what a socket read usually holds),
 * random splits of 1–64 characters, and the whole stream at once.
 *
 * Run: `deno run bench/sse_parser.ts [--events 2000] [--rounds 200]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createParser } from "eventsource-parser";
import { SIM_SENT_AT_FIELD } from "tokenbench/wire";
import { createSseParser } from "./_sse_parser.ts";

function _stream(events: number): string {
  let text = "";
  for (let i = 0; i < events; i++) {
    const chunk = {
      id: "chatcmpl-sim1",
      object: "chat.completion.chunk",
      created: 1700000000,
      model: "tokenbench-sim",
      choices: [{ index: 0, delta: { content: ` word${i}` }, logprobs: null, finish_reason: null }],
      usage: null,
      [SIM_SENT_AT_FIELD]: 1700000000000.123 + i,
    };
    text += `data: ${JSON.stringify(chunk)}\n\n`;
    if (i % 100 === 0) text += ": keep-alive\n\n";
  }
  return text + "data: [DONE]\n\n";
}

function _split(text: string, how: "event" | "random" | "whole"): string[] {
  if (how === "whole") return [text];
  if (how === "event") return text.split(/(?<=\n\n)/);
  const pieces: string[] = [];
  let seed = 12345;
  for (let pos = 0; pos < text.length;) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const size = 1 + (seed >>> 16) % 64;
    pieces.push(text.slice(pos, pos + size));
    pos += size;
  }
  return pieces;
}

type Feeder = (pieces: string[]) => number;

const _parsers: Record<string, Feeder> = {
  "tokenbench createSseParser": (pieces) => {
    let n = 0;
    const parser = createSseParser((e) => void (n += e.data.length > 0 ? 1 : 0));
    for (const piece of pieces) parser.feed(piece);
    return n;
  },
  "eventsource-parser createParser": (pieces) => {
    let n = 0;
    const parser = createParser({ onEvent: (e) => void (n += e.data.length > 0 ? 1 : 0) });
    for (const piece of pieces) parser.feed(piece);
    return n;
  },
};

/** Runs the comparison and prints one line per parser and feeding pattern. */
export function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: "string", default: "2000" },
      rounds: { type: "string", default: "200" },
    },
  });
  const events = Number(values.events);
  const rounds = Number(values.rounds);
  const text = _stream(events);
  console.log(
    `stream: ${events + 1} events, ${(text.length / 1024).toFixed(0)} KiB, ${rounds} rounds`,
  );
  for (const how of ["event", "random", "whole"] as const) {
    const pieces = _split(text, how);
    for (const [name, feed] of Object.entries(_parsers)) {
      const expected = feed(pieces);
      if (expected !== events + 1) throw new Error(`${name} parsed ${expected} events`);
      for (let i = 0; i < 20; i++) feed(pieces); // warm-up
      const times: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const start = performance.now();
        feed(pieces);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      const perEventNs = (median * 1e6) / (events + 1);
      console.log(
        `${how.padEnd(6)} feeds (${String(pieces.length).padStart(6)} pieces)  ${
          name.padEnd(32)
        } median ${median.toFixed(3)} ms/stream  ${perEventNs.toFixed(0)} ns/event`,
      );
    }
  }
  return Promise.resolve(0);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
