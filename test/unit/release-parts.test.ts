// The pure parts of the release pipeline: which packages a metafile bundles and where their
// license text is, the license expression, the changelog check, the tag check, SHA256SUMS, the
// artifact names, and the clean-tree check against real git repositories.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { bundledPackages, licenseTextOf, packageLocations, readmeLicenseSection } from '../../build-scripts/licenses/bundled-packages'
import { changelogEntry, parseChangelog } from '../../build-scripts/release/changelog'
import { LICENSE_INFO_MAX, licenseExpression } from '../../build-scripts/licenses/license-info'
import { checkCleanTree, checkTag, checksums } from '../../build-scripts/release/release'
import { clientTarballName, releaseTag, releaseZipName, sbomName } from '../../build-scripts/artifact-names'
import { integrityToHash, uuidV5 } from '../../build-scripts/licenses/sbom'
import { testArch, testLayerDir } from '../setup/test-arch'
import { parseArch } from '../../build-scripts/arch'
import { shortTempDir } from './helpers'

const ROOT = path.resolve(__dirname, '..', '..')
const thrown = async (fn: () => unknown): Promise<string> => {
  try {
    await fn()
  } catch (err) {
    return (err as Error).message
  }
  return 'nothing thrown'
}
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}

t.test('packageLocations: only inputs that put bytes in the output, mapped to their package folder', async (t) => {
  const inputs = {
    'src/main.ts': { bytesInOutput: 10 },
    'node_modules/a/index.js': { bytesInOutput: 5 },
    'node_modules/a/lib/x.js': { bytesInOutput: 5 },
    'node_modules/@s/b/dist/i.js': { bytesInOutput: 1 },
    'node_modules/a/node_modules/c/i.js': { bytesInOutput: 1 },
    'node_modules/shaken/i.js': { bytesInOutput: 0 },
    'lazy-builtin:esm:https': { bytesInOutput: 300 },
    '../node_modules/up/i.js': { bytesInOutput: 1 },
  }
  t.same(packageLocations({ outputs: { 'out.cjs': { inputs } } }), [
    '../node_modules/up',
    'node_modules/@s/b',
    'node_modules/a',
    'node_modules/a/node_modules/c',
  ])
})

t.test('readmeLicenseSection: setext or ATX heading, up to the next heading, without link definitions', async (t) => {
  t.equal(readmeLicenseSection('# x\n\nLicense\n-------\n\n(MIT)\n\nCopyright A\n\n[rfc]: http://x\n'), '(MIT)\n\nCopyright A')
  t.equal(readmeLicenseSection('# x\n## Licence\nISC text\n## Other\nno'), 'ISC text')
  t.equal(readmeLicenseSection('# x\nLicense: see the repo\n'), undefined, 'a sentence is no section')
  t.equal(readmeLicenseSection('## License\n\n## Next\n'), undefined, 'an empty section is none')
})

t.test('licenseTextOf: LICENSE/COPYING files (all of them), else the README section, else an error naming the package', async (t) => {
  const dir = shortTempDir(t)
  write(path.join(dir, 'two', 'LICENSE-MIT'), 'mit text\n')
  write(path.join(dir, 'two', 'LICENSE-APACHE'), 'apache text\n')
  write(path.join(dir, 'two', 'license-checker.js'), 'code')
  t.same(licenseTextOf(path.join(dir, 'two'), 'two'), { text: 'apache text\n\nmit text', source: 'LICENSE-APACHE, LICENSE-MIT' })
  write(path.join(dir, 'readme', 'README.md'), '# r\n## License\nMIT, Copyright R\n')
  t.same(licenseTextOf(path.join(dir, 'readme'), 'readme'), { text: 'MIT, Copyright R', source: 'README.md (License section)' })
  write(path.join(dir, 'none', 'README.md'), '# nothing here\n')
  t.match(await thrown(() => licenseTextOf(path.join(dir, 'none'), 'node_modules/none (none 1.0.0)')), /^node_modules\/none \(none 1\.0\.0\) ships no LICENSE or COPYING file and its README has no License section/)
})

t.test('bundledPackages: versions and integrity from the lockfile, which must agree with node_modules', async (t) => {
  const dir = shortTempDir(t)
  const pkg = (name: string, extra: object) => write(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, ...extra }))
  pkg('a', { version: '1.0.0', license: 'MIT' })
  write(path.join(dir, 'node_modules', 'a', 'LICENSE'), 'Copyright A')
  pkg('old', { version: '2.0.0', licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })
  write(path.join(dir, 'node_modules', 'old', 'COPYING'), 'Copyright Old')
  const lock = (packages: object) => write(path.join(dir, 'package-lock.json'), JSON.stringify({ packages }))
  const meta = (names: string[]) => ({ outputs: { o: { inputs: Object.fromEntries(names.map((n) => [`node_modules/${n}/i.js`, { bytesInOutput: 1 }])) } } })
  lock({ 'node_modules/a': { version: '1.0.0', integrity: 'sha512-AAAA' }, 'node_modules/old': { version: '2.0.0', integrity: 'sha512-BBBB' } })
  t.same(
    bundledPackages(meta(['a', 'old']), dir).map((p) => [p.location, p.name, p.version, p.license, p.integrity, p.licenseText]),
    [
      ['node_modules/a', 'a', '1.0.0', 'MIT', 'sha512-AAAA', 'Copyright A'],
      ['node_modules/old', 'old', '2.0.0', '(MIT OR Apache-2.0)', 'sha512-BBBB', 'Copyright Old'],
    ],
  )
  lock({ 'node_modules/a': { version: '1.0.1', integrity: 'sha512-AAAA' } })
  t.match(await thrown(() => bundledPackages(meta(['a']), dir)), /^node_modules\/a is 1\.0\.0 but package-lock\.json locks 1\.0\.1: node_modules is stale, run `npm ci`/)
  lock({})
  t.match(await thrown(() => bundledPackages(meta(['a']), dir)), /^node_modules\/a is bundled but package-lock\.json has no entry for it/)
  pkg('nolicense', { version: '1.0.0' })
  lock({ 'node_modules/nolicense': { version: '1.0.0', integrity: 'sha512-CCCC' } })
  t.match(await thrown(() => bundledPackages(meta(['nolicense']), dir)), /^node_modules\/nolicense \(nolicense 1\.0\.0\) declares no license in its package\.json/)
})

t.test('licenseExpression: each license once, the first first, compound ones in parentheses, at most 512 characters', async (t) => {
  t.equal(licenseExpression(['MIT-0', 'MIT', 'MIT', 'MIT']), 'MIT-0 AND MIT')
  t.equal(licenseExpression(['MIT-0', 'MIT OR Apache-2.0', 'ISC']), 'MIT-0 AND (MIT OR Apache-2.0) AND ISC')
  t.equal(licenseExpression(['MIT-0', '(MIT OR Apache-2.0)', 'MIT OR Apache-2.0']), 'MIT-0 AND (MIT OR Apache-2.0)')
  const many = Array.from({ length: 60 }, (_, i) => `LicenseRef-number-${i}`)
  t.match(await thrown(() => licenseExpression(many)), new RegExp(`above Lambda's ${LICENSE_INFO_MAX}`))
  t.match(await thrown(() => licenseExpression(['', ' '])), /no license/)
})

t.test('changelog: the entry of a version, or an error that says what to add', async (t) => {
  const dir = shortTempDir(t)
  const file = path.join(dir, 'CHANGELOG.md')
  write(file, '# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-01-02\n\n### Added\n- b\n\n## [1.0.0] - 2025-12-01\n- a\n')
  t.same(parseChangelog(fs.readFileSync(file, 'utf8')).map((e) => [e.version, e.date ?? null]), [['Unreleased', null], ['1.1.0', '2026-01-02'], ['1.0.0', '2025-12-01']])
  t.same(changelogEntry(file, '1.1.0'), { version: '1.1.0', date: '2026-01-02', body: '### Added\n- b' })
  t.match(await thrown(() => changelogEntry(file, '1.2.0')), /CHANGELOG\.md has no entry for version 1\.2\.0 \(package\.json\): add a section "## \[1\.2\.0\] - YYYY-MM-DD"/)
  write(file, '## [1.2.0]\n- x\n## [1.3.0] - 2026-02-02\n')
  t.match(await thrown(() => changelogEntry(file, '1.2.0')), /the entry for 1\.2\.0 has no date/)
  t.match(await thrown(() => changelogEntry(file, '1.3.0')), /the entry for 1\.3\.0 is empty/)
  t.match(await thrown(() => changelogEntry(path.join(dir, 'missing.md'), '1.0.0')), /cannot read the changelog/)
  // The repository's own changelog describes the version being developed.
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  t.ok(changelogEntry(path.join(ROOT, 'CHANGELOG.md'), version).body.length > 200, `CHANGELOG.md describes ${version}`)
})

t.test('names, tag, checksums, and the SBOM helpers', async (t) => {
  t.equal(releaseZipName('1.2.3', 'arm64'), 'wait-for-init-1.2.3-arm64.zip')
  t.equal(sbomName('1.2.3', 'x86_64'), 'wait-for-init-1.2.3-x86_64.cdx.json')
  t.equal(clientTarballName('1.2.3'), 'wait-for-init-1.2.3.tgz')
  t.equal(releaseTag('1.2.3'), 'v1.2.3')
  checkTag(undefined, '1.2.3')
  checkTag('v1.2.3', '1.2.3')
  t.match(await thrown(() => checkTag('v1.2.4', '1.2.3')), /^RELEASE_TAG="v1\.2\.4" does not match package\.json's version 1\.2\.3/)
  const dir = shortTempDir(t)
  write(path.join(dir, 'b'), 'bee\n')
  write(path.join(dir, 'a'), '')
  t.equal(checksums(dir, ['b', 'a']), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a\n' + `${spawnSync('sha256sum', [path.join(dir, 'b')], { encoding: 'utf8' }).stdout.split(' ')[0]}  b\n`)
  t.same(integrityToHash('sha512-AAEC'), { alg: 'SHA-512', content: '000102' })
  t.match(await thrown(() => integrityToHash('sha1-AAEC')), /not a sha512 integrity/)
  // RFC 4122's example: the v5 UUID of "www.example.com" in the DNS namespace is 2ed6657d-…; ours uses the URL namespace.
  t.match(uuidV5('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.equal(uuidV5('x'), uuidV5('x'))
  t.not(uuidV5('x'), uuidV5('y'))
})

t.test('checkCleanTree: refuses uncommitted and untracked files unless allowed, and a folder that is not a checkout', async (t) => {
  const dir = shortTempDir(t)
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: dir, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(r.stderr)
  }
  t.match(await thrown(() => checkCleanTree(dir, false)), /cannot tell whether .* is a clean git checkout .*ALLOW_DIRTY=1 releases anyway/)
  git('init', '-q')
  write(path.join(dir, '.gitignore'), 'dist/\n')
  write(path.join(dir, 'a.txt'), 'a')
  git('add', '-A')
  git('commit', '-qm', 'first')
  await checkCleanTree(dir, false)
  write(path.join(dir, 'dist', 'ignored.zip'), 'x')
  await checkCleanTree(dir, false) // ignored output is not a change
  write(path.join(dir, 'a.txt'), 'changed')
  write(path.join(dir, 'new.txt'), 'new')
  t.match(await thrown(() => checkCleanTree(dir, false)), /^the tree has uncommitted changes \(a\.txt, new\.txt\): commit or stash them/)
  await checkCleanTree(dir, true)
})

t.test('WFI_TEST_ARCH picks the layer the SEA tests run (make test-native)', async (t) => {
  t.equal(testArch({}), 'x86_64')
  t.equal(testArch({ WFI_TEST_ARCH: 'aarch64' }), 'arm64')
  t.equal(testLayerDir('/r', 'x86_64'), '/r/dist/layer')
  t.equal(testLayerDir('/r', 'arm64'), '/r/dist/layer-arm64')
  t.match(await thrown(() => testArch({ WFI_TEST_ARCH: 'riscv' })), /^WFI_TEST_ARCH="riscv" is not a Lambda architecture/)
  // Its own copy of the names (see test-arch.ts for why), held to parseArch's answers.
  for (const name of ['x86_64', 'X64', ' amd64 ', 'arm64', 'AArch64', 'aarch64']) t.equal(testArch({ WFI_TEST_ARCH: name }), parseArch(name).lambda, name)
  for (const name of ['riscv', 'x86', 'arm']) t.throws(() => parseArch(name), `${name}: refused by parseArch too`)
})
