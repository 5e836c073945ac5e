// Three tiers share one run: *.unit.spec.ts (pure), *.int.spec.ts (real adapters), test/*.e2e-spec.ts (whole services).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  },
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testRegex: '(\\.(unit|int)\\.spec|\\.e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': swc,
    // A few dependencies ship ESM only; compile them to CommonJS for jest.
    '^.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
  moduleNameMapper: { '^@libs/(.*)$': '<rootDir>/libs/$1' },
  testTimeout: 30000,
  maxWorkers: 2,
  // After a whole run a worker's event loop empties at once (no handle, thread or database
  // is left open), but tearing down its 0.5–0.7 GB heap takes 0.7–0.8 s; jest's default of
  // 500 ms killed it and reported a leak that was not there.
  workerGracefulExitTimeout: 5000,
};
