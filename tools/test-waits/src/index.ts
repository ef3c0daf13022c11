export { sleep } from './sleep.js';
export { until } from './until.js';
