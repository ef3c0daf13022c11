import { HookClient, type Logger } from '@ccx-hook/hook-client';
import type { ServerTls } from '@ccx-hook/server';
import type { ServiceConfig } from './service-config.js';

/**
 * On SIGHUP, reads `hooks.secret_file` and the TLS files again and puts them to use for new
 * connections and new requests: a certificate renewal or a secret rotation without a restart.
 * When anything is unusable, nothing changes and the error is logged. Returns the function
 * that stops listening.
 */
export function reloadCredentialsOnSighup(config: ServiceConfig, client: HookClient, serverTls: ServerTls | undefined, logger: Logger): () => void {
  const reload = () => {
    try {
      const credentials = config.readCredentials();
      if ((credentials.grpcTls === undefined) !== (serverTls === undefined)) {
        throw new Error('gRPC TLS cannot be turned on or off while the service runs; restart it');
      }
      const hooks = { secrets: credentials.secrets, tls: credentials.hookTls };
      // Checked on a client of its own first, so that nothing changes unless everything can.
      new HookClient(hooks);
      if (serverTls && credentials.grpcTls) serverTls.update(credentials.grpcTls);
      client.reconfigure(hooks);
      logger.info('credentials reloaded', { secret_count: credentials.secrets.length, grpc_tls: serverTls !== undefined });
    } catch (error) {
      logger.error('credentials not reloaded; the current ones stay in use', { error: (error as Error).message });
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
