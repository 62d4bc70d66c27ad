/**
 * One HTTP/1.1 request written byte for byte on a real socket, and the answer read back: for bodies
 * no client library sends (cut multipart, a body shorter than its boundary promised).
 */
import { connect } from 'node:net';

export interface RawAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (request line and headers, no blank line) and `body` with its Content-Length; reads the answer. */
export function rawRequest(url: string, head: string, body: Buffer | string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [status, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ statusCode: Number(status?.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(
      `${head}\r\nHost: ${hostname}\r\nConnection: close\r\nContent-Length: ${payload.length}\r\n\r\n`,
    );
    socket.write(payload);
  });
}
