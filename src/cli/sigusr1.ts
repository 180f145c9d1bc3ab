// Imported first by main.ts, before any other module loads. Node starts its inspector on SIGUSR1
// (port 9229) unless a listener for the signal is installed; this one is, from the first moment,
// and `fulcrum start` gives it its job (reopening the log files) once it runs. A SIGUSR1 before
// then (with workers a listener may already answer) is done once the job is given.
let handler: (() => void) | null = null;
let pending = false;

process.on('SIGUSR1', () => {
  if (handler !== null) handler();
  else pending = true;
});

/** What SIGUSR1 does from now on (at once, if one arrived before). */
export function onSigusr1(next: () => void): void {
  handler = next;
  if (pending) {
    pending = false;
    next();
  }
}
