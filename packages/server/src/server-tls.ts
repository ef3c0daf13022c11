import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ServerCredentials } from '@grpc/grpc-js';
import { certificatesIn } from '@ccx-hook/hook-client';

/** The server's certificate chain and key, and for mutual TLS the CA that issues client certificates (PEM). */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** When set, every client must present a certificate issued by this CA. */
  clientCa?: string;
}

/**
 * gRPC server credentials whose certificates can be replaced while the server runs: new
 * connections use the new ones, open connections keep theirs. Whether clients need a
 * certificate (mutual TLS) is fixed at construction.
 */
export class ServerTls extends ServerCredentials {
  readonly mutual: boolean;

  /** Throws when the key does not match the certificate or a PEM cannot be read. */
  constructor(material: TlsMaterial) {
    const mutual = material.clientCa !== undefined;
    super({ requestCert: mutual, rejectUnauthorized: mutual }, secureContextOf(material));
    this.mutual = mutual;
  }

  /**
   * Uses `material` for new connections. Throws, keeping the current certificates, when it is
   * not usable or would turn mutual TLS on or off (that takes a restart).
   */
  update(material: TlsMaterial): void {
    if ((material.clientCa !== undefined) !== this.mutual) {
      throw new Error(`grpc.tls.client_ca cannot be ${this.mutual ? 'removed' : 'added'} while the service runs; restart it`);
    }
    this.updateSecureContextOptions(secureContextOf(material));
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

function secureContextOf(material: TlsMaterial): SecureContextOptions {
  const options: SecureContextOptions = { cert: material.cert, key: material.key, ca: material.clientCa };
  try {
    if (material.clientCa !== undefined) certificatesIn(material.clientCa);
    createSecureContext(options);
  } catch (error) {
    // OpenSSL's messages name the problem (key values mismatch, no start line), never the key.
    throw new Error(`unusable TLS certificate or key: ${(error as Error).message}`);
  }
  return options;
}
