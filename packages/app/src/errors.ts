/** Thrown by `loadConfig` for a configuration the service cannot run with; the message names the key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_CONFIG';
}
