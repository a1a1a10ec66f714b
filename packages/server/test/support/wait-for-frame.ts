import type { ServerFrame } from '@parley/protocol';

/**
 * The first of `frames` (which the caller's socket keeps appending to) that matches, polling for it
 * until `closed` reports the connection's end, or the time runs out.
 * @param closed a description of how the connection ended, or undefined while it is open
 */
export async function waitForFrame(
  frames: readonly ServerFrame[],
  match: (frame: ServerFrame) => boolean,
  timeoutMs: number,
  closed: () => string | undefined,
): Promise<ServerFrame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = frames.find(match);
    if (found) return found;
    if (closed() !== undefined) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const found = frames.find(match);
  if (found) return found;
  throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames.map((f) => f.type))}, ${closed() ?? 'still open'}`);
}
