// The reliability suite alone, one file at a time: test/reliability/*.e2e-spec.ts (also in `npm test`)
// and *.reliability-spec.ts (restarts RabbitMQ, so never beside other suites).
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/reliability'],
  testRegex: '\\.(e2e|reliability)-spec\\.ts$',
  maxWorkers: 1,
};
