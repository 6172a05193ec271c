// The command lines of the repository's scripts (build, publish, soak, run-local) and `make help`:
// options parse as documented, bad input exits 2 naming the option with the usage, --help exits 0.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { BUILD_USAGE, parseBuildArgs } from '../../build-scripts/build'
import { UsageError } from '../../build-scripts/cli'
import { ROOT, TSX, run } from './helpers'
import { thrown } from '../hardening/assert'


const tsx = (script: string, args: string[]) => run(TSX[0], [...TSX.slice(1), script, ...args])

t.test('parseBuildArgs: defaults, every option, --option=value', async (t) => {
  t.same(parseBuildArgs([], '/repo'), { arch: undefined, out: '/repo/dist', entry: undefined, client: true, force: false, help: false })
  t.same(parseBuildArgs(['--arch', 'arm64', '--out=o', '--entry', 'e.ts', '--no-client', '--force'], '/repo'), {
    arch: 'arm64', out: path.resolve('o'), entry: path.resolve('e.ts'), client: false, force: true, help: false,
  })
  t.equal(parseBuildArgs(['-h'], '/repo').help, true)
})

t.test('parseBuildArgs: bad input is a UsageError naming the option', async (t) => {
  const bad: [string[], RegExp][] = [
    [['--bogus'], /Unknown option '--bogus'/],
    [['--out'], /Option '--out <value>' argument missing/],
    [['--out', '--force'], /Option '--out' argument is ambiguous/],
    [['--force=yes'], /Option '--force' does not take an argument/],
    [['x86_64'], /Unexpected argument 'x86_64'/],
  ]
  for (const [argv, re] of bad) {
    const err = thrown(() => parseBuildArgs(argv, '/repo'))
    t.ok(err instanceof UsageError, `${argv.join(' ')}: a UsageError`)
    t.match((err as Error)?.message, re, argv.join(' '))
  }
})

t.test('build.ts: --help prints the usage, an unknown option exits 2 with it', async (t) => {
  const help = await tsx('build-scripts/build.ts', ['--help'])
  t.equal(help.code, 0, help.stderr)
  t.equal(help.stdout, `${BUILD_USAGE}\n`)
  const bad = await tsx('build-scripts/build.ts', ['--arch', 'x86_64', '--bogus'])
  t.equal(bad.code, 2)
  t.equal(bad.stderr, `build: Unknown option '--bogus'\n${BUILD_USAGE}\n`)
  t.equal(bad.stdout, '')
})

t.test('publish.ts: --help, unknown option, bad --arch', async (t) => {
  const help = await tsx('build-scripts/publish/publish.ts', ['-h'])
  t.equal(help.code, 0, help.stderr)
  t.match(help.stdout, /^usage: npx tsx build-scripts\/publish\/publish\.ts \[--arch x86_64\|arm64\]\.\.\. \[--dist DIR\]\n/)
  const bad = await tsx('build-scripts/publish/publish.ts', ['--dist'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /^publish: Option '--dist <value>' argument missing\nusage: npx tsx build-scripts\/publish\/publish\.ts/)
  const arch = await tsx('build-scripts/publish/publish.ts', ['--arch', 'x86_64', '--arch', 'sparc'])
  t.equal(arch.code, 1)
  t.equal(arch.stderr, 'publish: error: --arch="sparc" is not a Lambda architecture: use x86_64 or arm64\n')
})

t.test('soak.ts and run-local.ts: usage errors exit 2 before any sandbox starts', async (t) => {
  const zero = await tsx('test/soak/soak.ts', ['--cycles', '0'])
  t.equal(zero.code, 2)
  t.match(zero.stderr, /^soak: --cycles: expected an integer >= 1, got "0"\nusage: make soak/)
  const help = await tsx('test/soak/soak.ts', ['--help'])
  t.equal(help.code, 0, help.stderr)
  t.match(help.stdout, /^usage: make soak {2}\| {2}npx tsx test\/soak\/soak\.ts \[--cycles N\] \[--json\]\n$/)
  const local = await tsx('test/sandbox/run-local.ts', ['--layer', 'x'])
  t.equal(local.code, 2)
  t.match(local.stderr, /^run-local: Unknown option '--layer'\nusage: make run-local/)
  t.equal(local.stdout, '')
})

t.test('make help lists every .PHONY target with its description', async (t) => {
  const makefile = fs.readFileSync(path.join(ROOT, 'Makefile'), 'utf8')
  const phony = [...makefile.matchAll(/^\.PHONY:(.*)$/gm)].flatMap((m) => m[1].trim().split(/\s+/))
  t.ok(phony.length >= 10, `${phony.length} .PHONY targets`)
  const r = await run('make', ['-s', 'help'])
  t.equal(r.code, 0, r.stderr)
  const listed = new Map([...r.stdout.matchAll(/^ {2}([a-z-]+) +(\S.*)$/gm)].map((m) => [m[1], m[2]]))
  for (const target of phony) t.ok(listed.get(target), `make help describes ${target}`)
})
