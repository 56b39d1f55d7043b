// Runs the built CLI (`node dist/cli.js …`, built by `npm run build`, which `npm test` runs first) and
// returns its exit code and output, for the end-to-end tests.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function runCli(...args: string[]): Promise<CliResult> {
  const env = { ...process.env }
  delete env.FORCE_COLOR
  delete env.NO_COLOR
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}
