// Imported first by main.ts, before any other module loads. Node starts its inspector on SIGUSR1
// (port 9229) unless a listener for the signal is installed; this one is, from the first moment,
// and `fulcrum start` gives it its job (reopening the log files) once it runs.
let handler: () => void = () => {};

process.on('SIGUSR1', () => handler());

/** What SIGUSR1 does from now on. */
export function onSigusr1(next: () => void): void {
  handler = next;
}
