// A backend for the HA lab, run as a script inside its own namespace: every answer names the
// address the request came from, which tells the test which Fulcrum node relayed it.
// Usage: node ha-backend.js PORT
import http from 'node:http';

const port = Number(process.argv[2]);
http
  .createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '?');
  })
  .listen(port, '0.0.0.0', () => console.log('ready'));
