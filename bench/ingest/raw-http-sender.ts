import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive client for the load generator: one socket per
 * worker, the request head and body written with one writev, the response
 * read just far enough to know its status. fetch (undici) costs several times
 * more CPU per request, and the generator shares the machine with the server
 * it measures, so every cycle it saves is the server's.
 */
export class RawHttpConnection {
  private socket: Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: ((status: number) => void) | undefined;
  private bodyLeft = -1;
  private status = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** POSTs `body` to `path`; resolves with the HTTP status (0 when the connection failed). */
  post(path: string, contentType: string, body: Buffer): Promise<number> {
    return new Promise((resolve) => {
      const socket = this.ensureSocket();
      this.pending = resolve;
      socket.cork();
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body);
      socket.uncork();
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private ensureSocket(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = () => {
      this.socket = undefined;
      const p = this.pending;
      this.pending = undefined;
      this.buffered = Buffer.alloc(0);
      this.bodyLeft = -1;
      p?.(0);
    };
    socket.on('error', fail);
    socket.on('close', fail);
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      if (this.bodyLeft < 0) {
        const end = this.buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = this.buffered.toString('latin1', 0, end);
        this.status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        this.bodyLeft = length ? Number(length[1]) : 0;
        this.buffered = this.buffered.subarray(end + 4);
      }
      if (this.buffered.length < this.bodyLeft) return;
      this.buffered = this.buffered.subarray(this.bodyLeft);
      this.bodyLeft = -1;
      const p = this.pending;
      this.pending = undefined;
      p?.(this.status);
      if (this.buffered.length === 0) return;
    }
  }
}
