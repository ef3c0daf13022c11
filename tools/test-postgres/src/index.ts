export { createTestDatabase, postgresAvailable, type TestDatabase, testPostgresUrl } from './test-postgres.js';
export { TcpProxy } from './tcp-proxy.js';
