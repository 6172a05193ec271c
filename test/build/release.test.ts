// `make release` as a fresh clone runs it: a clean git checkout of this tree (tracked files and
// new ones not ignored, committed), sharing node_modules by hard links and the Node download
// cache. It must write the versioned artifacts that `sha256sum -c SHA256SUMS` verifies, with an
// x86_64 zip byte-identical to `make layer`'s here (another folder, another build). Then
// `make github-release` (a stand-in gh records what it is asked), and the refusals: no changelog
// entry, another tag's version, a dirty tree, files that no longer match SHA256SUMS.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { CHECKSUMS_NAME, clientTarballName, releaseZipName, sbomName } from '../../build-scripts/artifact-names'
import { DIST, ROOT, TEST_OUT, TSX, ensureLayer, run } from './helpers'

const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
const COPY = path.join(TEST_OUT, 'release-clone')
const RELEASE = path.join(COPY, 'dist', 'release')
const RELEASE_TIMEOUT_MS = 20 * 60_000

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=release-test', '-c', 'user.email=release-test@example.invalid', ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

/** A clean checkout of the working tree as it is now, in COPY. */
function cleanCopy(): void {
  fs.rmSync(COPY, { recursive: true, force: true })
  fs.mkdirSync(COPY, { recursive: true })
  for (const rel of git(ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean)) {
    const from = path.join(ROOT, rel)
    if (!fs.existsSync(from)) continue // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(COPY, rel)), { recursive: true })
    fs.copyFileSync(from, path.join(COPY, rel))
    fs.chmodSync(path.join(COPY, rel), fs.statSync(from).mode & 0o777)
  }
  git(COPY, 'init', '-q')
  git(COPY, 'add', '-A')
  git(COPY, 'commit', '-qm', 'the tree under test')
  // node_modules as `npm ci` left it here: hard links (same file system), stamped newer than the lockfile.
  const r = spawnSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(COPY, 'node_modules')])
  if (r.status !== 0) throw new Error(`cp -al node_modules: ${r.stderr}`)
  const now = new Date()
  fs.utimesSync(path.join(COPY, 'node_modules', '.package-lock.json'), now, now)
}

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra }
  for (const k of ['ALLOW_DIRTY', 'RELEASE_TAG', 'GITHUB_REF_NAME', 'NODE_OPTIONS', 'MAKEFLAGS', 'MAKELEVEL']) if (!(k in extra)) delete e[k]
  return e
}

t.before(async () => {
  cleanCopy()
})
t.teardown(() => fs.rmSync(COPY, { recursive: true, force: true }))

t.test('refusals come before any build', async (t) => {
  const changelog = path.join(COPY, 'CHANGELOG.md')
  const original = fs.readFileSync(changelog, 'utf8')
  const without = original.replace(new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\][^\\n]*\\n`, 'm'), '## [0.0.1] - 2020-01-01\n')
  t.not(without, original, 'the entry was there to remove')
  const other = path.join(TEST_OUT, 'CHANGELOG.without-entry.md')
  fs.writeFileSync(other, without)
  t.teardown(() => fs.rmSync(other, { force: true }))
  const noEntry = await run(TSX[0], [...TSX.slice(1), 'build-scripts/release/release.ts', '--changelog', other], { cwd: COPY, env: env(), timeoutMs: 60_000 })
  t.equal(noEntry.code, 1)
  t.match(noEntry.stderr, new RegExp(`^release: error: .*CHANGELOG\\.without-entry\\.md has no entry for version ${version.replace(/\./g, '\\.')} \\(package\\.json\\): add a section "## \\[${version.replace(/\./g, '\\.')}\\] - YYYY-MM-DD"`, 'm'))
  t.notMatch(noEntry.stderr, /\[build\]/, 'nothing was built')

  const tag = await run('make', ['-s', 'release'], { cwd: COPY, env: env({ RELEASE_TAG: 'v99.0.0' }), timeoutMs: 60_000 })
  t.not(tag.code, 0)
  t.match(tag.stderr, new RegExp(`RELEASE_TAG="v99\\.0\\.0" does not match package\\.json's version ${version.replace(/\./g, '\\.')}`))

  fs.writeFileSync(path.join(COPY, 'stray.txt'), 'not committed')
  t.teardown(() => fs.rmSync(path.join(COPY, 'stray.txt'), { force: true }))
  const dirty = await run('make', ['-s', 'release'], { cwd: COPY, env: env(), timeoutMs: 60_000 })
  t.not(dirty.code, 0)
  t.match(dirty.stderr, /the tree has uncommitted changes \(stray\.txt\): commit or stash them/)
  t.notOk(fs.existsSync(RELEASE), 'no release folder')
  fs.rmSync(path.join(COPY, 'stray.txt'))
})

t.test('make release in a fresh clean checkout', async (t) => {
  const r = await run('make', ['-s', 'release'], { cwd: COPY, env: env(), timeoutMs: RELEASE_TIMEOUT_MS })
  t.equal(r.code, 0, r.stderr)
  t.notMatch(r.stderr, /warning/, 'a clean tree: no ALLOW_DIRTY warning')
  const expected = [CHECKSUMS_NAME, clientTarballName(version), sbomName(version, 'arm64'), sbomName(version, 'x86_64'), releaseZipName(version, 'arm64'), releaseZipName(version, 'x86_64')].sort()
  t.same(fs.readdirSync(RELEASE).sort(), expected, 'the artifacts, named from package.json')

  const sums = await run('sha256sum', ['-c', CHECKSUMS_NAME], { cwd: RELEASE })
  t.equal(sums.code, 0, sums.stdout + sums.stderr)
  t.equal(sums.stdout.split('\n').filter((l) => l.endsWith(': OK')).length, expected.length - 1, 'sha256sum -c checks every other artifact')

  // Byte-identical to `make layer`'s zip, built here in another folder.
  const here = await ensureLayer('x86_64')
  t.ok(fs.readFileSync(path.join(RELEASE, releaseZipName(version, 'x86_64'))).equals(fs.readFileSync(here)), 'x86_64 zip equals make layer\'s byte for byte')
  t.ok(fs.readFileSync(path.join(RELEASE, releaseZipName(version, 'x86_64'))).equals(fs.readFileSync(path.join(COPY, 'dist', 'wait-for-init-x86_64.zip'))), 'and the clone\'s own dist/ zip')
  t.ok(fs.readFileSync(path.join(RELEASE, clientTarballName(version))).equals(fs.readFileSync(path.join(DIST, clientTarballName(version)))), 'the client tarball too')

  for (const arch of ['x86_64', 'arm64'] as const) {
    const sbom = JSON.parse(fs.readFileSync(path.join(RELEASE, sbomName(version, arch)), 'utf8'))
    const names = sbom.components.map((c: { name: string; version: string }) => `${c.name}@${c.version}`)
    t.ok(names.includes('node-fetch@3.3.2'), `${arch} SBOM names node-fetch 3.3.2`)
    t.match(sbom.components.find((c: { name: string }) => c.name === 'node'), { version: '24.21.0', purl: `pkg:npm/node-linux-${arch === 'x86_64' ? 'x64' : 'arm64'}@24.21.0` })
    t.equal(sbom.metadata.component.version, version)
    const zipSha = fs.readFileSync(path.join(RELEASE, CHECKSUMS_NAME), 'utf8').split('\n').find((l) => l.endsWith(releaseZipName(version, arch)))!.split(' ')[0]
    t.same(sbom.metadata.component.hashes, [{ alg: 'SHA-256', content: zipSha }], `${arch} SBOM names its zip's hash`)
  }
})

t.test('make github-release: the files, the title and the changelog entry go to gh; mismatches are refused', async (t) => {
  const log = path.join(TEST_OUT, 'fake-gh.log')
  const gh = path.join(TEST_OUT, 'fake-gh.sh')
  const published = path.join(TEST_OUT, 'published-sums')
  // Records its arguments and the notes; `release download` hands back the SUMS file it is given.
  fs.writeFileSync(gh, `#!/bin/sh
printf '%s\\n' "$@" > "${log}"
if [ "$1" = release ] && [ "$2" = create ]; then
  while [ $# -gt 0 ]; do [ "$1" = --notes-file ] && cp "$2" "${log}.notes"; shift; done
  echo "https://github.example/releases/tag/v${version}"
fi
if [ "$1" = release ] && [ "$2" = download ]; then
  while [ $# -gt 0 ]; do [ "$1" = --dir ] && cp "${published}" "$2/SHA256SUMS"; shift; done
fi
`)
  fs.chmodSync(gh, 0o755)
  t.teardown(() => ['', '.notes'].forEach((s) => fs.rmSync(`${log}${s}`, { force: true })))
  const ghEnv = (extra: Record<string, string>) => env({ GH: gh, ...extra })

  const r = await run('make', ['-s', 'github-release'], { cwd: COPY, env: ghEnv({ RELEASE_TAG: `v${version}` }), timeoutMs: 60_000 })
  t.equal(r.code, 0, r.stderr)
  const args = fs.readFileSync(log, 'utf8').trim().split('\n')
  t.same(args.slice(0, 3), ['release', 'create', `v${version}`])
  t.same(args.slice(3, 9).map((f) => path.basename(f)).sort(), fs.readdirSync(RELEASE).sort(), 'every artifact, SHA256SUMS included')
  t.same(args.slice(9, 11), ['--title', `wait-for-init ${version}`])
  t.equal(args[args.length - 1], '--verify-tag', 'the tag must already exist')
  t.match(fs.readFileSync(`${log}.notes`, 'utf8'), /^The first release\.\n\n### Added\n/, 'the notes are the changelog entry')

  fs.copyFileSync(path.join(RELEASE, CHECKSUMS_NAME), published)
  const same = await run('make', ['-s', 'github-release-check'], { cwd: COPY, env: ghEnv({ RELEASE_TAG: `v${version}` }), timeoutMs: 60_000 })
  t.equal(same.code, 0, same.stderr)
  t.match(same.stderr, new RegExp(`holds exactly the files of the GitHub release v${version.replace(/\./g, '\\.')}`))
  fs.writeFileSync(published, fs.readFileSync(published, 'utf8').replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')))
  const differs = await run('make', ['-s', 'github-release-check'], { cwd: COPY, env: ghEnv({ RELEASE_TAG: `v${version}` }), timeoutMs: 60_000 })
  t.not(differs.code, 0)
  t.match(differs.stderr, /differs from the SHA256SUMS of the GitHub release .*these are not the released bytes/)
  fs.rmSync(published)

  const wrongTag = await run('make', ['-s', 'github-release'], { cwd: COPY, env: ghEnv({ RELEASE_TAG: 'v0.0.0-wrong' }), timeoutMs: 60_000 })
  t.not(wrongTag.code, 0)
  t.match(wrongTag.stderr, /RELEASE_TAG="v0\.0\.0-wrong" does not match/)

  fs.appendFileSync(path.join(RELEASE, clientTarballName(version)), 'tampered')
  fs.rmSync(log)
  const tampered = await run('make', ['-s', 'github-release'], { cwd: COPY, env: ghEnv({ RELEASE_TAG: `v${version}` }), timeoutMs: 60_000 })
  t.not(tampered.code, 0)
  t.match(tampered.stderr, /no longer match SHA256SUMS: run `make release` again/)
  t.notOk(fs.existsSync(log), 'gh was not called')
})
