/**
 * nginx (Debian's) in the foreground as the load balancer in front of the replicas, with a generated
 * config; `update()` rewrites the upstream list and reloads gracefully (SIGHUP), as an endpoint
 * controller would when a pod stops being ready.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Upstream {
  port: number;
  down?: boolean;
}

// max_fails=0: never mark a replica dead for everyone; each request moves on by itself. With
// max_fails=1 the surviving replica was marked dead after one stale keep-alive error while the other
// restarted, and nginx answered 502 "no live upstreams" (371 of 29k requests in one rolling restart).
function config(dir: string, port: number, upstreams: Upstream[]): string {
  const servers = upstreams
    .map((u) => `    server 127.0.0.1:${u.port} max_fails=0${u.down ? ' down' : ''};`)
    .join('\n');
  const proxy = `
      proxy_pass http://modelgarden;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream_tries 3;`;
  return `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 64m;
  upstream modelgarden {
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    # Predictions change nothing: retry them on another replica when one fails or is not ready.
    location ~ ^/(api/models/[^/]+/predict|v2/models/.+/infer)$ {${proxy}
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    }
    # Everything else (pushes included) is retried only when the request never reached a replica.
    location / {${proxy}
      proxy_next_upstream error timeout;
    }
  }
}
`;
}

export class Balancer {
  private proc?: ChildProcess;
  readonly url: string;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(upstreams: Upstream[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.write(upstreams);
    this.proc = spawn(
      'nginx',
      ['-p', this.dir, '-c', path.join(this.dir, 'nginx.conf'), '-g', 'daemon off;'],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const deadline = Date.now() + 10_000;
    while (
      !(await fetch(`${this.url}/health/live`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (this.proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`nginx did not start; see ${this.dir}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** New upstream list; nginx's workers finish their requests on the old config. */
  async update(upstreams: Upstream[]): Promise<void> {
    await this.write(upstreams);
    this.proc?.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 300));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.proc || this.proc.exitCode !== null) return resolve();
      this.proc.once('exit', () => resolve());
      this.proc.kill('SIGQUIT');
    });
  }

  private write(upstreams: Upstream[]): Promise<void> {
    return writeFile(path.join(this.dir, 'nginx.conf'), config(this.dir, this.port, upstreams));
  }
}
