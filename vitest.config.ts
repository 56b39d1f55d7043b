import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Compiles the fake PSS library (test/fake-pss/) for the capture binding's tests.
    globalSetup: ['test/fake-pss/build.ts'],
    // The fuzz and truncation sweeps are CPU-bound; two workers match the 2-core CI machines.
    maxWorkers: 2,
    testTimeout: 60_000,
  },
})
