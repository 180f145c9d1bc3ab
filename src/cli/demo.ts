// `fulcrum demo`: demo backends + balancer, no file needed. Filled in with the data path.
export async function demoCommand(_options: { port?: number; traffic?: boolean }): Promise<void> {
  throw new Error('not implemented yet');
}
