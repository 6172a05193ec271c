// `make github-release`: publishes what `make release` wrote as a GitHub release, with the GitHub
// CLI (gh, preinstalled on GitHub's runners; GH_TOKEN from the workflow), so the release workflow
// needs no third-party action (npx tsx build-scripts/release/github-release.ts --help).
// Before uploading it checks that the tag names package.json's version and that every file still
// matches SHA256SUMS; the release notes are the version's CHANGELOG.md entry.
// --check (`make github-release-check`) uploads nothing: it proves that the local dist/release/ is
// what the tag's GitHub release holds (same SHA256SUMS), before a later job publishes those bytes.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { changelogEntry } from './changelog'
import { parseOptions, runMain } from '../cli'
import { BuildError } from '../errors'
import { checkTag, checksums } from './release'
import { CHECKSUMS_NAME, RELEASE_DIR, releaseTag } from '../artifact-names'
import { describeFailure, runCommand } from '../run-command'

const GH_TIMEOUT_MS = 15 * 60_000 // ~85 MB of uploads

export const GITHUB_RELEASE_USAGE = `usage: npx tsx build-scripts/release/github-release.ts [--out DIR] [--changelog FILE] [--dry-run | --check]
  --out        build folder holding release/ (default dist/)
  --changelog  where the release notes come from (default CHANGELOG.md)
  --dry-run    check everything and print the gh command instead of running it
  --check      compare release/SHA256SUMS with the one the tag's GitHub release holds
Environment: RELEASE_TAG (default GITHUB_REF_NAME) must be v<package.json version>; GH is the
GitHub CLI (default gh), which reads GH_TOKEN.`

/** The files SHA256SUMS lists, after checking each one's hash; throws naming the first mismatch. */
export function verifiedFiles(dir: string): string[] {
  const sumsFile = path.join(dir, CHECKSUMS_NAME)
  if (!fs.existsSync(sumsFile)) throw new BuildError(`${sumsFile} is missing: run \`make release\` first`)
  const names = fs
    .readFileSync(sumsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^[0-9a-f]{64} {2}(\S+)$/.exec(line)
      if (!m) throw new BuildError(`${sumsFile}: not a sha256sum line: ${JSON.stringify(line)}`)
      return m[1]
    })
  for (const n of names) if (!fs.existsSync(path.join(dir, n))) throw new BuildError(`${n} is listed in ${CHECKSUMS_NAME} but missing from ${dir}`)
  if (checksums(dir, names) !== fs.readFileSync(sumsFile, 'utf8')) throw new BuildError(`the files in ${dir} no longer match ${CHECKSUMS_NAME}: run \`make release\` again`)
  return [...names, CHECKSUMS_NAME]
}

if (require.main === module) {
  runMain('github-release', GITHUB_RELEASE_USAGE, async () => {
    const root = path.resolve(__dirname, '..', '..')
    const v = parseOptions(process.argv.slice(2), {
      out: { type: 'string' },
      changelog: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    })
    if (v.help) return void process.stdout.write(`${GITHUB_RELEASE_USAGE}\n`)
    const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
    const tag = process.env.RELEASE_TAG || process.env.GITHUB_REF_NAME
    if (!tag) throw new BuildError(`RELEASE_TAG is not set: set it to the tag being released (${releaseTag(version)})`)
    checkTag(tag, version)
    const entry = changelogEntry(path.resolve(v.changelog ?? path.join(root, 'CHANGELOG.md')), version)
    const dir = path.join(path.resolve(v.out ?? path.join(root, 'dist')), RELEASE_DIR)
    const files = verifiedFiles(dir).map((f) => path.join(dir, f))

    const gh = process.env.GH || 'gh'
    const runGh = async (what: string, args: string[]) => {
      const r = await runCommand(gh, args, { cwd: root, timeoutMs: GH_TIMEOUT_MS })
      if (r.spawnError?.code === 'ENOENT') throw new BuildError(`the GitHub CLI (${gh}) is not installed: https://cli.github.com, or set GH`)
      if (r.code !== 0) throw new BuildError(describeFailure(what, r, GH_TIMEOUT_MS))
      return r
    }
    const notesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-notes-'))
    try {
      if (v.check) {
        await runGh('gh release download', ['release', 'download', tag, '--pattern', CHECKSUMS_NAME, '--dir', notesDir])
        const published = fs.readFileSync(path.join(notesDir, CHECKSUMS_NAME), 'utf8')
        if (published !== fs.readFileSync(path.join(dir, CHECKSUMS_NAME), 'utf8')) {
          throw new BuildError(`${path.join(dir, CHECKSUMS_NAME)} differs from the ${CHECKSUMS_NAME} of the GitHub release ${tag}: these are not the released bytes`)
        }
        process.stderr.write(`[github-release] ${dir} holds exactly the files of the GitHub release ${tag}\n`)
        return
      }
      const notes = path.join(notesDir, 'notes.md')
      fs.writeFileSync(notes, `${entry.body}\n\nVerify a download: \`sha256sum -c ${CHECKSUMS_NAME} --ignore-missing\`.\n`)
      const args = ['release', 'create', tag, ...files, '--title', `wait-for-init ${version}`, '--notes-file', notes, '--verify-tag']
      if (v['dry-run']) {
        process.stdout.write(`${[gh, ...args].join(' ')}\n`)
        return
      }
      const r = await runGh('gh release create', args)
      process.stderr.write(`[github-release] ${r.stdout.trim() || `released ${tag}`}\n`)
    } finally {
      fs.rmSync(notesDir, { recursive: true, force: true })
    }
  })
}
