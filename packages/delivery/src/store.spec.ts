import { describeStore } from './testing/describe-store.js';
import { postgresFixture, sqliteFixture } from './testing/store-fixtures.js';

describeStore('SqliteStore', sqliteFixture);
describeStore('PostgresStore', () => postgresFixture('PostgresStore'));
