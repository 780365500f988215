import { EXIT } from '../../errors.js';
import { removePendingTemporaries } from '../../io/files.js';
import { handleStops } from '../../io/signals.js';

/**
 * Ctrl-C (or SIGTERM, SIGHUP) while `mdn train` runs: the first stops training after the epoch (`signal` aborts;
 * the best weights so far are saved), a second within a second is the same impatient press, a later one quits
 * without saving. Once the model is saved any signal ends the command at once with 130 (the model is on disk). The
 * save is synchronous, so a signal that comes during it is handled after it.
 */
export class TrainingInterrupts {
  private readonly controller = new AbortController();
  private presses = 0;
  private firstPress = 0;
  private saved = false;
  private release: (() => void) | undefined;

  /** @param out the model's path, for the message after it is saved */
  constructor(private readonly out: string | undefined) {}

  /** Aborts when the first signal comes (the training run's `signal`). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether a signal came (and was not the impatient repeat of the first). */
  get interrupted(): boolean {
    return this.presses > 0;
  }

  /** Puts the handler in force (on top of the default one). */
  install(): void {
    this.release = handleStops(() => this.press());
  }

  /** The model is on disk: from now on a signal ends the command at once (the handler stays to the end). */
  markSaved(): void {
    this.saved = true;
  }

  /** Takes the handler away unless the model was saved (then it stays: a signal while output is flushed exits 130). */
  uninstall(): void {
    if (!this.saved) this.release?.();
  }

  private press(): void {
    if (this.presses === 1 && performance.now() - this.firstPress < 1000) return;
    this.presses += 1;
    if (this.saved) {
      removePendingTemporaries();
      process.stderr.write(
        `\nInterrupted${this.out !== undefined ? `; the model was saved to ${this.out} before` : ''}.\n`,
      );
      process.exit(EXIT.interrupted);
    }
    if (this.presses === 1) {
      this.firstPress = performance.now();
      process.stderr.write(
        '\nStopping after this epoch; the best weights so far will be saved (a second Ctrl-C or signal quits without saving).\n',
      );
      this.controller.abort();
      return;
    }
    removePendingTemporaries();
    process.stderr.write('Quit without saving.\n');
    process.exit(EXIT.interrupted);
  }
}
