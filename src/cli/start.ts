// `fulcrum start -c FILE`: owned by the runtime; filled in with the HTTP data path.
export async function startCommand(_configPath: string, _options: { logLevel?: string }): Promise<void> {
  throw new Error('not implemented yet');
}
