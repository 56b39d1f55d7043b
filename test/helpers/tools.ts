// Whether an outside program (an oracle such as lsof, ss, lldb, or a compiler) is on PATH, for tests that
// skip without it unless their PSSNAP_REQUIRE_* variable (set by .ci/run) makes its absence a failure.
import { spawnSync } from 'node:child_process'

export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0
}
