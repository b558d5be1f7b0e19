/**
 * A repository's git objects as GitHub stores them: blobs, trees and commits addressed by the
 * SHA-1 of git's own encoding (so object ids are real git ids), and the refs that name commits.
 * Enough for the Git database REST endpoints and GraphQL's `createCommitOnBranch`.
 */
import { createHash } from 'node:crypto'

export type Oid = string

export interface GitPerson {
  name: string
  email: string
  /** ISO time. */
  date: string
}

export interface GitBlob {
  type: 'blob'
  oid: Oid
  content: Buffer
}

export interface GitTreeEntry {
  name: string
  /** `100644` file, `100755` executable, `040000` tree (git writes it `40000`). */
  mode: string
  type: 'blob' | 'tree'
  oid: Oid
}

export interface GitTree {
  type: 'tree'
  oid: Oid
  entries: GitTreeEntry[]
}

export interface GitCommit {
  type: 'commit'
  oid: Oid
  tree: Oid
  parents: Oid[]
  message: string
  author: GitPerson
  committer: GitPerson
}

export type GitObject = GitBlob | GitTree | GitCommit

/** GitHub commits made through the web and the API as this committer. */
export const WEB_FLOW: Omit<GitPerson, 'date'> = { name: 'GitHub', email: 'noreply@github.com' }

function hash(type: string, body: Buffer): Oid {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
    .digest('hex')
}

function personLine(p: GitPerson): string {
  return `${p.name} <${p.email}> ${Math.floor(Date.parse(p.date) / 1000)} +0000`
}

/** Git orders tree entries by name, a tree's name compared as if it ended in `/`. */
function entryOrder(a: GitTreeEntry, b: GitTreeEntry): number {
  const ka = a.type === 'tree' ? `${a.name}/` : a.name
  const kb = b.type === 'tree' ? `${b.name}/` : b.name
  return ka < kb ? -1 : ka > kb ? 1 : 0
}

export class GitStore {
  private readonly objects = new Map<Oid, GitObject>()

  has(oid: string): boolean {
    return this.objects.has(oid)
  }

  get(oid: string): GitObject | null {
    return this.objects.get(oid) ?? null
  }

  commit(oid: string): GitCommit | null {
    const o = this.objects.get(oid)
    return o?.type === 'commit' ? o : null
  }

  tree(oid: string): GitTree | null {
    const o = this.objects.get(oid)
    return o?.type === 'tree' ? o : null
  }

  blob(oid: string): GitBlob | null {
    const o = this.objects.get(oid)
    return o?.type === 'blob' ? o : null
  }

  writeBlob(content: Buffer | string): Oid {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
    const oid = hash('blob', buf)
    this.objects.set(oid, { type: 'blob', oid, content: buf })
    return oid
  }

  writeTree(entries: GitTreeEntry[]): Oid {
    const sorted = [...entries].sort(entryOrder)
    const body = Buffer.concat(
      sorted.map(e =>
        Buffer.concat([
          Buffer.from(`${e.type === 'tree' ? '40000' : e.mode} ${e.name}\0`),
          Buffer.from(e.oid, 'hex')
        ])
      )
    )
    const oid = hash('tree', body)
    this.objects.set(oid, { type: 'tree', oid, entries: sorted })
    return oid
  }

  /** Writes the nested trees that hold `files` (path -> blob id) and returns the root tree. */
  writeFiles(files: Map<string, Oid>): Oid {
    const here: GitTreeEntry[] = []
    const below = new Map<string, Map<string, Oid>>()
    for (const [path, oid] of files) {
      const slash = path.indexOf('/')
      if (slash < 0) {
        here.push({ name: path, mode: '100644', type: 'blob', oid })
        continue
      }
      const dir = path.slice(0, slash)
      const inner = below.get(dir) ?? new Map<string, Oid>()
      inner.set(path.slice(slash + 1), oid)
      below.set(dir, inner)
    }
    for (const [dir, inner] of below) {
      here.push({ name: dir, mode: '040000', type: 'tree', oid: this.writeFiles(inner) })
    }
    return this.writeTree(here)
  }

  /** Every file under a tree: path -> blob id. */
  files(treeOid: Oid, prefix = ''): Map<string, Oid> {
    const out = new Map<string, Oid>()
    for (const e of this.tree(treeOid)?.entries ?? []) {
      if (e.type === 'blob') out.set(prefix + e.name, e.oid)
      else for (const [p, o] of this.files(e.oid, `${prefix}${e.name}/`)) out.set(p, o)
    }
    return out
  }

  /** The entry at `path` under a tree (`''` is the tree itself), or null. */
  entry(treeOid: Oid, path: string): GitTreeEntry | null {
    const parts = path.split('/').filter(Boolean)
    let entry: GitTreeEntry = { name: '', mode: '040000', type: 'tree', oid: treeOid }
    for (const part of parts) {
      if (entry.type !== 'tree') return null
      const next = this.tree(entry.oid)?.entries.find(e => e.name === part)
      if (!next) return null
      entry = next
    }
    return entry
  }

  writeCommit(c: Omit<GitCommit, 'type' | 'oid'>): Oid {
    const lines = [`tree ${c.tree}`, ...c.parents.map(p => `parent ${p}`)]
    lines.push(`author ${personLine(c.author)}`, `committer ${personLine(c.committer)}`)
    const oid = hash('commit', Buffer.from(`${lines.join('\n')}\n\n${c.message}`, 'utf8'))
    this.objects.set(oid, { type: 'commit', oid, ...c })
    return oid
  }

  /** True when `ancestor` is `descendant` or one of its ancestors. */
  isAncestor(ancestor: Oid, descendant: Oid): boolean {
    const queue = [descendant]
    const seen = new Set<Oid>()
    while (queue.length > 0) {
      const oid = queue.pop()!
      if (oid === ancestor) return true
      if (seen.has(oid)) continue
      seen.add(oid)
      queue.push(...(this.commit(oid)?.parents ?? []))
    }
    return false
  }
}
