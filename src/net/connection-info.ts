/** Established once per connection, before any request: by TLS, or by a trusted PROXY header. */
export interface ConnectionInfo {
  clientIp?: string;
  sni: string;
  certHeaders: string;
}
