/**
 * What `serve` says when it cannot listen. Node's own text (`getaddrinfo ENOTFOUND
 * 999.1.1.1`, `listen EADDRINUSE`) names neither the setting nor where to change it;
 * an operator reading it in a container log has to guess which of HOST, PORT or the
 * config file is wrong.
 */

/** The line for a listen that failed, naming the setting, its variable and flag, and the value. */
export function listenFailureMessage(err: unknown, host: string, port: number): string {
  const code = (err as { code?: unknown } | null)?.code;
  const cause = err instanceof Error ? err.message : String(err);
  const hostSetting = `server.host (HOST, --host) "${host}"`;
  const portSetting = `server.port (PORT, --port) ${port}`;
  let what: string;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      what = `${hostSetting} is not an address or a name that resolves`;
      break;
    case 'EADDRNOTAVAIL':
      what = `${hostSetting} is not an address of this machine`;
      break;
    case 'EADDRINUSE':
      what = `${portSetting} is in use on ${host} (another process listens there)`;
      break;
    case 'EACCES':
      what = `${portSetting} needs privileges this process does not have (ports below 1024)`;
      break;
    default:
      what = `check ${hostSetting} and ${portSetting}`;
  }
  return `cannot listen on ${host}:${port}: ${what} (${cause})`;
}
