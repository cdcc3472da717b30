/** The listen failure names the setting and its value, for each way a real listen fails. */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenFailureMessage } from './listen-failure.js';

const open: Server[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** The error a real listen fails with. */
function listenError(host: string, port: number): Promise<unknown> {
  const server = createServer();
  open.push(server);
  return new Promise((resolve) => {
    server.once('error', resolve);
    server.listen(port, host, () => resolve(null));
  });
}

describe('listenFailureMessage', () => {
  it('names server.host and the value for a host that does not resolve', async () => {
    const err = await listenError('999.1.1.1', 0);
    expect(err).not.toBeNull();
    expect(listenFailureMessage(err, '999.1.1.1', 0)).toContain('server.host (HOST, --host) "999.1.1.1" is not an address or a name that resolves');
  });

  it('names server.port and the value for a port in use', async () => {
    const taken = createServer();
    open.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const err = await listenError('127.0.0.1', port);
    expect(listenFailureMessage(err, '127.0.0.1', port)).toContain(`server.port (PORT, --port) ${port} is in use on 127.0.0.1`);
  });
});
