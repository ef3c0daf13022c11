export { createTestDatabase, postgresAvailable, type TestDatabase, testPostgresUrl } from './test-postgres.js';
