/**
 * Stop signals and the event loop. Ctrl-C (SIGINT), a closing terminal (SIGHUP) and a polite kill (SIGTERM) end
 * every command the same way: exit 130 with a line on stderr, any partial output file removed (see files.ts).
 * `mdn train` handles them itself while it trains (stop after the epoch, save the best weights): a command puts its
 * own handler on top with {@link handleStops}. Handlers run only when the event loop turns, so a command's long
 * loops call {@link nextTurn} between blocks.
 */

/** The signals that stop a command. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export type StopHandler = (signal: NodeJS.Signals) => void;

/** The handlers in force, the last one first; the bottom one is the default. */
const handlers: StopHandler[] = [];

const dispatch = (signal: NodeJS.Signals) => handlers.at(-1)?.(signal);

/** Installs `fallback` as the default handler of every stop signal (once, at start). */
export function installStopHandling(fallback: StopHandler): void {
  handlers.splice(0, handlers.length, fallback);
  for (const signal of STOP_SIGNALS) {
    process.off(signal, dispatch);
    process.on(signal, dispatch);
  }
}

/** Puts `handler` in force until the returned function is called (then the one before it is again). */
export function handleStops(handler: StopHandler): () => void {
  handlers.push(handler);
  return () => {
    const at = handlers.lastIndexOf(handler);
    if (at > 0) handlers.splice(at, 1);
  };
}

/** Resolves on the next turn of the event loop, after pending signals and I/O have been handled. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
