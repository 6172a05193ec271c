// The TypeScript `strip`: on a small C program with debug info (compiled here) and on the cached
// Node binary when a build has fetched it; the stripped program must still run.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { EM_X86_64, readElfHeader, stripElf } from '../../build-scripts/elf'

const hasGcc = spawnSync('gcc', ['--version']).status === 0
const hasReadelf = spawnSync('readelf', ['--version']).status === 0

function sectionNames(file: string): string[] {
  const r = spawnSync('readelf', ['-S', '-W', file], { encoding: 'utf8' })
  return [...r.stdout.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1])
}

t.test('strips a C program with debug info and it still runs', { skip: hasGcc ? false : 'gcc not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wfi-elf-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'hello.c'), '#include <stdio.h>\nint answer = 42;\nint main(void) { printf("hello %d\\n", answer); return 7; }\n')
  const bin = path.join(dir, 'hello')
  const cc = spawnSync('gcc', ['-g', '-O0', '-o', bin, path.join(dir, 'hello.c')], { encoding: 'utf8' })
  t.equal(cc.status, 0, cc.stderr)

  const input = fs.readFileSync(bin)
  t.equal(readElfHeader(input).machine, process.arch === 'x64' ? EM_X86_64 : 183)
  const { output, removedSections } = stripElf(input)
  t.ok(removedSections.includes('.symtab'), 'symbol table removed')
  t.ok(removedSections.some((s) => s.startsWith('.debug_')), 'debug info removed')
  t.ok(output.length < input.length, `smaller: ${input.length} -> ${output.length}`)
  const out = path.join(dir, 'hello.stripped')
  fs.writeFileSync(out, output, { mode: 0o755 })
  const r = spawnSync(out, [], { encoding: 'utf8' })
  t.equal(r.stdout, 'hello 42\n')
  t.equal(r.status, 7)
  if (hasReadelf) {
    const names = sectionNames(out)
    t.notOk(names.some((n) => n === '.symtab' || n.startsWith('.debug')), `readelf sees no symbols/debug: ${names.join(' ')}`)
    t.ok(names.includes('.text') && names.includes('.dynamic') && names.includes('.shstrtab'))
  }
  t.same(stripElf(output).output, output, 'stripping twice changes nothing')
})

t.test('refuses what it cannot strip, with the reason', async (t) => {
  t.throws(() => stripElf(Buffer.from('#!/bin/sh\n'.padEnd(64))), /not an ELF file/)
  const elf32 = Buffer.alloc(64)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1]).copy(elf32)
  t.throws(() => stripElf(elf32), /only ELF64 little-endian/)
  const truncated = Buffer.alloc(64)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]).copy(truncated)
  truncated.writeUInt16LE(56, 0x36)
  truncated.writeUInt16LE(64, 0x3a)
  truncated.writeUInt16LE(3, 0x3c)
  truncated.writeUInt16LE(2, 0x3e)
  truncated.writeBigUInt64LE(4096n, 0x28)
  t.throws(() => stripElf(truncated), /outside the file/)
})
