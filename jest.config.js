import { createDefaultEsmPreset } from 'ts-jest'

const preset = createDefaultEsmPreset({ tsconfig: 'tsconfig.json' })

const shared = {
  ...preset,
  testEnvironment: 'node',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' }
}

/**
 * Two projects: `unit` (pure logic, in process; `npm run test:unit` for the inner loop) and
 * `integration` (the bundle built from the sources once per run, spawned as the runner does,
 * against the Moodle-compatible server and the GitHub stand-in on loopback).
 *
 * @type {import('jest').Config}
 */
export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/__tests__/unit'],
      testMatch: ['**/*.test.ts']
    },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/__tests__/integration'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/__tests__/setup/build-bundle.js',
      globalTeardown: '<rootDir>/__tests__/setup/remove-bundle.js'
    }
  ],
  testTimeout: 30000,
  // End-to-end tests spawn the bundle and local servers; two workers match the machine.
  maxWorkers: 2
}
