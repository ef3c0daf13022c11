import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM text and as files (for configuration that takes paths). */
export interface Certificate {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** A throw-away CA: issues server and client certificates; `remove()` deletes its files. */
export interface CertificateAuthority extends Certificate {
  dir: string;
  /** A server certificate for `names` (DNS names or IP addresses; default localhost and 127.0.0.1). */
  issueServer(name: string, names?: string[]): Certificate;
  /** A client certificate (extended key usage clientAuth). */
  issueClient(name: string): Certificate;
  remove(): void;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/** Makes a CA (EC P-256, valid one day) in a temporary folder with `openssl`; nothing is committed. */
export function createCertificateAuthority(name: string): CertificateAuthority {
  const dir = mkdtempSync(join(tmpdir(), `ccx-ca-${name}-`));
  const file = (base: string) => join(dir, base);
  const read = (base: string): Certificate => ({
    cert: readFileSync(file(`${base}.crt`), 'utf8'),
    key: readFileSync(file(`${base}.key`), 'utf8'),
    certFile: file(`${base}.crt`),
    keyFile: file(`${base}.key`),
  });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', `/CN=${name} test CA`, '-keyout', 'ca.key', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let serial = 0;
  const issue = (base: string, extensions: string): Certificate => {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${base}`,
      '-keyout', `${base}.key`, '-out', `${base}.csr`], dir);
    writeFileSync(file(`${base}.ext`), extensions);
    openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(++serial),
      '-days', '1', '-extfile', `${base}.ext`, '-out', `${base}.crt`], dir);
    return read(base);
  };
  return {
    ...read('ca'),
    dir,
    issueServer(base, names = ['localhost', '127.0.0.1']) {
      const san = names.map((entry) => (/^[\d.]+$|:/.test(entry) ? `IP:${entry}` : `DNS:${entry}`)).join(',');
      return issue(base, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
    },
    issueClient(base) {
      return issue(base, 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
