export { type Certificate, type CertificateAuthority, createCertificateAuthority } from './certificate-authority.js';
