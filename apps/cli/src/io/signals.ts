/**
 * Stop signals and the event loop. `mdn train` handles Ctrl-C (SIGINT), a closing terminal (SIGHUP) and a polite
 * kill (SIGTERM) itself (train/index.ts: stop training, save the best weights); every command that writes a file
 * removes its temporary on them (files.ts). A handler runs only when the event loop turns, so a command's long
 * loops call {@link nextTurn} between blocks.
 */

/** The signals that stop a command. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Resolves on the next turn of the event loop, after pending signals and I/O have been handled. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
