import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fuzz and truncation sweeps are CPU-bound; two workers match the 2-core CI machines.
    maxWorkers: 2,
    testTimeout: 60_000,
  },
})
