import { HookClient, type Logger } from '@ccx-hook/hook-client';
import type { ServerTls } from '@ccx-hook/server';
import type { Credentials, ServiceConfig } from './service-config.js';

/**
 * On SIGHUP, reads `hooks.secret_file`, `hooks.signing_key_file` and the TLS files again and puts them to use for new
 * connections and new requests: a certificate renewal or a secret rotation without a restart.
 * When anything is unusable, or no secret would be left where one signed, nothing changes and
 * the error is logged; `onReload` hears of each reload that took. Returns the function that
 * stops listening.
 */
export function reloadCredentialsOnSighup(
  config: ServiceConfig,
  clients: Pick<HookClient, 'reconfigure'>[],
  serverTls: ServerTls | undefined,
  logger: Logger,
  onReload: (credentials: Credentials) => void,
): () => void {
  const countOf = (credentials: Credentials) => credentials.secrets.length + credentials.signingKeys.length;
  let signing = countOf(config.credentials);
  const reload = () => {
    try {
      const credentials = config.readCredentials();
      if (signing > 0 && countOf(credentials) === 0) {
        throw new Error(`no hook secret or signing key is left to sign with (${signing} in use); unsigned hooks would be refused or forged`);
      }
      if ((credentials.grpcTls === undefined) !== (serverTls === undefined)) {
        throw new Error('gRPC TLS cannot be turned on or off while the service runs; restart it');
      }
      const hooks = { secrets: credentials.secrets, signingKeys: credentials.signingKeys, tls: credentials.hookTls };
      // Checked on a client of its own first, so that nothing changes unless everything can.
      new HookClient(hooks);
      if (serverTls && credentials.grpcTls) serverTls.update(credentials.grpcTls);
      for (const client of clients) client.reconfigure(hooks);
      signing = countOf(credentials);
      onReload(credentials);
      logger.info('credentials reloaded', {
        secret_count: credentials.secrets.length,
        signing_key_count: credentials.signingKeys.length,
        grpc_tls: serverTls !== undefined,
      });
    } catch (error) {
      logger.error('credentials not reloaded; the current ones stay in use', { error: (error as Error).message });
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
