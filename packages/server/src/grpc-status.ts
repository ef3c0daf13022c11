import { type StatusObject, status } from '@grpc/grpc-js';
import { errorCode, type Logger } from '@ccx-hook/hook-client';
import type { InvalidRequestError } from '@ccx-hook/mapping';

/** The one place where errors become gRPC statuses. */
export function toGrpcStatus(error: unknown, logger: Logger, meta: Record<string, unknown>): Partial<StatusObject> {
  switch (errorCode(error)) {
    case 'ERR_INVALID_REQUEST': {
      const { field, message } = error as InvalidRequestError;
      logger.warn('invalid request', { ...meta, field, error: message });
      return { code: status.INVALID_ARGUMENT, details: message };
    }
    case 'ERR_STORE':
      logger.error('delivery could not be stored', { ...meta, error: (error as Error).message });
      return { code: status.UNAVAILABLE, details: 'the delivery could not be stored; retry the call' };
  }
  logger.error('internal error', { ...meta, error: error instanceof Error ? error.message : String(error) });
  return { code: status.INTERNAL, details: 'internal error' };
}

/** The status of every call that arrives while the server shuts down. */
export const shuttingDown: Partial<StatusObject> = { code: status.UNAVAILABLE, details: 'the server is shutting down' };
