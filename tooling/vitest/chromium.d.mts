/** Chromium arguments under which WebGL2 runs through SwiftShader, headless, with no network chatter. */
export const CHROMIUM_ARGS: string[];
/** The Chromium binary: $CHROMIUM_PATH, else /usr/bin/chromium; throws a clear error when none exists. */
export function chromiumExecutable(): string;
