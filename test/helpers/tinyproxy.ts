// A real HTTP proxy for tests: tinyproxy (Debian package "tinyproxy"), run in the foreground on a free
// loopback port with a generated config. tinyproxy answers 407 to a CONNECT without credentials and 401
// to wrong ones, 403 to a port outside its ConnectPort list, and 500 when it cannot reach the target.

import fs from 'node:fs';
import { startDaemon } from './daemon.js';
import path from 'node:path';

export interface TinyproxyOptions {
  /** tinyproxy's config grammar allows only [-A-Za-z0-9._] in user and password. */
  basicAuth?: { user: string; password: string };
  /** Ports CONNECT may reach; tinyproxy allows every port when none is listed. */
  connectPorts?: number[];
}

export interface Tinyproxy {
  url: string;
  port: number;
  close(): Promise<void>;
}


export async function startTinyproxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const auth = options.basicAuth;
  if (auth !== undefined && !/^[-A-Za-z0-9._]+$/.test(auth.user + auth.password)) {
    throw new Error('tinyproxy BasicAuth accepts only letters, digits, "-", "." and "_"');
  }
  const daemon = await startDaemon({
    program: 'tinyproxy',
    prepare(port, dir) {
      const lines = [
        `Port ${port}`,
        'Listen 127.0.0.1',
        'Timeout 30',
        'MaxClients 16',
        'LogLevel Warning',
        'Allow 127.0.0.1',
        ...(auth !== undefined ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
        ...(options.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
      ];
      const configPath = path.join(dir, 'tinyproxy.conf');
      fs.writeFileSync(configPath, `${lines.join('\n')}\n`);
      // -d: stay in the foreground, so stopping this child ends tinyproxy.
      return ['-d', '-c', configPath];
    },
  });
  return { url: `http://127.0.0.1:${daemon.port}`, port: daemon.port, close: daemon.close };
}
