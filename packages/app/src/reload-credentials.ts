import { HookClient, type Logger } from '@ccx-hook/hook-client';
import type { ServerTls } from '@ccx-hook/server';
import type { Credentials, ServiceConfig } from './service-config.js';

/**
 * On SIGHUP, reads `hooks.secret_file` and the TLS files again and puts them to use for new
 * connections and new requests: a certificate renewal or a secret rotation without a restart.
 * When anything is unusable, or no secret would be left where one signed, nothing changes and
 * the error is logged; `onReload` hears of each reload that took. Returns the function that
 * stops listening.
 */
export function reloadCredentialsOnSighup(
  config: ServiceConfig,
  client: HookClient,
  serverTls: ServerTls | undefined,
  logger: Logger,
  onReload: (credentials: Credentials) => void,
): () => void {
  let signing = config.credentials.secrets.length;
  const reload = () => {
    try {
      const credentials = config.readCredentials();
      if (signing > 0 && credentials.secrets.length === 0) {
        throw new Error(`no hook secret is left to sign with (${signing} in use); unsigned hooks would be refused or forged`);
      }
      if ((credentials.grpcTls === undefined) !== (serverTls === undefined)) {
        throw new Error('gRPC TLS cannot be turned on or off while the service runs; restart it');
      }
      const hooks = { secrets: credentials.secrets, tls: credentials.hookTls };
      // Checked on a client of its own first, so that nothing changes unless everything can.
      new HookClient(hooks);
      if (serverTls && credentials.grpcTls) serverTls.update(credentials.grpcTls);
      client.reconfigure(hooks);
      signing = credentials.secrets.length;
      onReload(credentials);
      logger.info('credentials reloaded', { secret_count: credentials.secrets.length, grpc_tls: serverTls !== undefined });
    } catch (error) {
      logger.error('credentials not reloaded; the current ones stay in use', { error: (error as Error).message });
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
