// Minimal ELF64 little-endian reader and `strip --strip-all` for executables, in TypeScript.
//
// Why not GNU strip: the host's binutils only know the host's machine (Debian's x86_64 `strip`
// refuses an aarch64 binary, and `--target=elf64-little` zeroes e_machine), so a cross build
// would need an extra toolchain. And the result would depend on the host's binutils version,
// while the layer zip must be byte-for-byte reproducible. What stripping an executable needs is
// small: keep every section the loader maps (SHF_ALLOC), drop the rest (.symtab, .strtab,
// .debug_*, .comment, build notes), and write a new section-header table after the mapped data.
// It must run *before* the SEA blob is injected: postject appends a note segment, and a strip
// afterwards would drop or misplace it.
import { BuildError } from './errors'

export const EM_X86_64 = 62
export const EM_AARCH64 = 183

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46])
const SHT_NOBITS = 8
const SHF_ALLOC = 0x2
const SHF_INFO_LINK = 0x40
const EHDR_SIZE = 64
const SHDR_SIZE = 64
const PHDR_SIZE = 56

export interface ElfHeader {
  /** 1 = ELF32, 2 = ELF64. */
  elfClass: number
  /** 1 = little endian, 2 = big endian. */
  dataEncoding: number
  /** 2 = ET_EXEC, 3 = ET_DYN. */
  type: number
  machine: number
}

export function machineName(machine: number): string {
  if (machine === EM_X86_64) return 'x86-64'
  if (machine === EM_AARCH64) return 'aarch64'
  return `e_machine ${machine}`
}

/** Reads the identification and machine of an ELF file from its first bytes (>= 20). */
export function readElfHeader(head: Buffer, what = 'file'): ElfHeader {
  if (head.length < 20 || !head.subarray(0, 4).equals(ELF_MAGIC)) throw new BuildError(`${what} is not an ELF file`)
  const dataEncoding = head[5]
  const type = dataEncoding === 2 ? head.readUInt16BE(16) : head.readUInt16LE(16)
  const machine = dataEncoding === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)
  return { elfClass: head[4], dataEncoding, type, machine }
}

interface Section {
  index: number
  name: number
  type: number
  flags: bigint
  offset: number
  size: number
  link: number
  info: number
  raw: Buffer
}

function u64(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64LE(at)
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BuildError(`ELF ${what} out of range`)
  return Number(v)
}

function sectionName(shstrtab: Buffer, offset: number): string {
  const end = shstrtab.indexOf(0, offset)
  return shstrtab.toString('latin1', offset, end < 0 ? shstrtab.length : end)
}

export interface StripResult {
  output: Buffer
  removedSections: string[]
}

/** Strips an ELF64 LE executable: keeps the loadable image, drops all non-allocated sections. */
export function stripElf(input: Buffer, what = 'binary'): StripResult {
  const hdr = readElfHeader(input, what)
  if (hdr.elfClass !== 2 || hdr.dataEncoding !== 1) throw new BuildError(`${what}: only ELF64 little-endian is supported`)
  const phoff = u64(input, 0x20, 'e_phoff')
  const shoff = u64(input, 0x28, 'e_shoff')
  const phentsize = input.readUInt16LE(0x36)
  const phnum = input.readUInt16LE(0x38)
  const shentsize = input.readUInt16LE(0x3a)
  const shnum = input.readUInt16LE(0x3c)
  const shstrndx = input.readUInt16LE(0x3e)
  if (phentsize !== PHDR_SIZE || shentsize !== SHDR_SIZE) throw new BuildError(`${what}: unexpected ELF header entry sizes`)
  if (shnum === 0 || shstrndx === 0 || shstrndx >= shnum) throw new BuildError(`${what}: no usable section header table`)
  if (shoff + shnum * SHDR_SIZE > input.length || phoff + phnum * PHDR_SIZE > input.length) {
    throw new BuildError(`${what}: ELF header tables lie outside the file (truncated download?)`)
  }

  // Everything any program header covers must stay byte-for-byte where it is.
  let imageEnd = EHDR_SIZE
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * PHDR_SIZE
    imageEnd = Math.max(imageEnd, u64(input, at + 8, 'p_offset') + u64(input, at + 32, 'p_filesz'), at + PHDR_SIZE)
  }

  const sections: Section[] = []
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SHDR_SIZE
    sections.push({
      index: i,
      name: input.readUInt32LE(at),
      type: input.readUInt32LE(at + 4),
      flags: input.readBigUInt64LE(at + 8),
      offset: u64(input, at + 24, 'sh_offset'),
      size: u64(input, at + 32, 'sh_size'),
      link: input.readUInt32LE(at + 40),
      info: input.readUInt32LE(at + 44),
      raw: input.subarray(at, at + SHDR_SIZE),
    })
  }
  const oldShstrtab = input.subarray(sections[shstrndx].offset, sections[shstrndx].offset + sections[shstrndx].size)

  const kept = sections.filter((s) => s.index === 0 || (s.flags & BigInt(SHF_ALLOC)) !== 0n)
  const removedSections = sections
    .filter((s) => s.index !== 0 && s.index !== shstrndx && !kept.includes(s))
    .map((s) => sectionName(oldShstrtab, s.name))
  const newIndex = new Map<number, number>(kept.map((s, i) => [s.index, i]))
  for (const s of kept) {
    if (s.type !== SHT_NOBITS && s.size > 0 && s.offset + s.size > imageEnd) {
      throw new BuildError(`${what}: allocated section ${sectionName(oldShstrtab, s.name)} lies outside the loadable image`)
    }
  }

  // New .shstrtab holding only the names still in use (and its own).
  const names: Buffer[] = [Buffer.from([0])]
  let namesLen = 1
  const nameOffset = new Map<string, number>()
  const addName = (name: string): number => {
    if (name === '') return 0
    const known = nameOffset.get(name)
    if (known !== undefined) return known
    const b = Buffer.from(name + '\0', 'latin1')
    nameOffset.set(name, namesLen)
    names.push(b)
    namesLen += b.length
    return namesLen - b.length
  }
  const keptNames = kept.map((s) => addName(sectionName(oldShstrtab, s.name)))
  const shstrtabName = addName('.shstrtab')
  const shstrtab = Buffer.concat(names)

  const shstrtabOffset = imageEnd
  const newShoff = align(shstrtabOffset + shstrtab.length, 8)
  const newShnum = kept.length + 1
  const out = Buffer.alloc(newShoff + newShnum * SHDR_SIZE)
  input.copy(out, 0, 0, imageEnd)
  shstrtab.copy(out, shstrtabOffset)

  const remap = (idx: number, owner: Section, field: string): number => {
    if (idx === 0) return 0
    const n = newIndex.get(idx)
    if (n === undefined) {
      throw new BuildError(`${what}: kept section ${sectionName(oldShstrtab, owner.name)} refers (${field}) to removed section ${idx}`)
    }
    return n
  }
  kept.forEach((s, i) => {
    const at = newShoff + i * SHDR_SIZE
    s.raw.copy(out, at)
    out.writeUInt32LE(keptNames[i], at)
    out.writeUInt32LE(remap(s.link, s, 'sh_link'), at + 40)
    if ((s.flags & BigInt(SHF_INFO_LINK)) !== 0n) out.writeUInt32LE(remap(s.info, s, 'sh_info'), at + 44)
  })
  const strAt = newShoff + kept.length * SHDR_SIZE
  out.writeUInt32LE(shstrtabName, strAt)
  out.writeUInt32LE(3 /* SHT_STRTAB */, strAt + 4)
  out.writeBigUInt64LE(BigInt(shstrtabOffset), strAt + 24)
  out.writeBigUInt64LE(BigInt(shstrtab.length), strAt + 32)
  out.writeBigUInt64LE(1n, strAt + 48)

  out.writeBigUInt64LE(BigInt(newShoff), 0x28)
  out.writeUInt16LE(newShnum, 0x3c)
  out.writeUInt16LE(newShnum - 1, 0x3e)
  return { output: out, removedSections }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to
}
