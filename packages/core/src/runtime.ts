/** Lets timers, messages and signal handlers (Ctrl-C, an AbortController) run; setImmediate where there is one. */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise<void>((resolve) => {
    const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
    if (immediate) immediate(resolve);
    else setTimeout(resolve, 0);
  });
