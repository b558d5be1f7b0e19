/**
 * The central store's client: the ledger branch of the running repository, read and written
 * through GitHub's API with compare-and-swap on the branch head.
 *
 * - read: the head and the wanted files in one GraphQL query (100 files per query; more files
 *   are read at the same head, so a snapshot is always one commit);
 * - create: on first use, an orphan branch holding only a README (Git database REST: tree,
 *   commit without parents, ref);
 * - commit: one GraphQL `createCommitOnBranch` with `expectedHeadOid`: GitHub applies the commit
 *   only if the branch still points where the snapshot was read, however many files it
 *   changes. A moved head is reported as a conflict, for the caller to re-read and retry.
 *
 * `createCommitOnBranch` works with GitHub App installation tokens (the commit is signed by
 * GitHub and authored by the app) and with fine-grained tokens that have Contents: write on
 * the repository; `GITHUB_TOKEN` needs `permissions: contents: write`.
 */
import { GitHubError, type GraphQLAnswer, type SyncGitHub } from './github.js'
import { README_PATH, STORE_README } from './files.js'

export const FILES_PER_QUERY = 100

/** The store cannot be used: the message says what to fix. Nothing was written. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreError'
  }
}

export interface StoreSnapshot {
  /** The branch head; null when the branch does not exist yet (see `create`). */
  head: string | null
  /** Path -> text; null for a file that is not on the branch. */
  files: Map<string, string | null>
}

export interface FileChange {
  path: string
  /** New text, or null to delete the file (it must exist). */
  content: string | null
}

export type CommitOutcome =
  /** The branch now points to `head`. */
  | { status: 'committed'; head: string }
  /** The branch moved since the snapshot: nothing was written; re-read and retry. */
  | { status: 'conflict' }
  /** No complete answer: the commit may or may not be on the branch; re-read to know. */
  | { status: 'unknown'; detail: string }

const PATH = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/

interface BlobAnswer {
  object: { oid?: string; text?: string | null; isTruncated?: boolean } | null
}

type Files = Record<string, BlobAnswer | null | string>

/** Aliases `f0`, `f1`... for the files, on a Commit (`oid` alone when there are none). */
function filesSelection(paths: string[]): string {
  if (paths.length === 0) return 'oid'
  return paths
    .map(
      (p, i) =>
        `f${i}: file(path: ${JSON.stringify(p)}) { object { ... on Blob { oid text isTruncated } } }`
    )
    .join('\n')
}

export class CentralStore {
  private readonly owner: string
  private readonly name: string

  constructor(
    private readonly api: SyncGitHub,
    /** The running repository, `owner/name`. */
    readonly repository: string,
    readonly branch: string
  ) {
    ;[this.owner = '', this.name = ''] = repository.split('/')
  }

  private refused(
    what: string,
    answer: GraphQLAnswer<unknown>,
    access: 'read' | 'write'
  ): StoreError {
    const e = answer.errors[0]
    const grant =
      access === 'read'
        ? 'grant "Contents: read" to the GitHub App or fine-grained token, or add "contents: read" under "permissions:" in the workflow for GITHUB_TOKEN'
        : 'grant "Contents: write" to the GitHub App or fine-grained token, or add "contents: write" under "permissions:" in the workflow for GITHUB_TOKEN'
    if (e?.type === 'NOT_FOUND')
      return new StoreError(
        `${what}: GitHub cannot find ${this.repository} for github-token (${e.message}); ` +
          `give the token access to the repository that runs the workflow: ${grant}.`
      )
    if (e?.type === 'FORBIDDEN')
      return new StoreError(
        `${what}: github-token may not ${access} ${this.repository} (${e.message}); ${grant}.`
      )
    return new StoreError(
      `${what}: GitHub answered ${e ? `${e.type ?? 'an error'}: ${e.message}` : 'no data'}.`
    )
  }

  /** The branch head and the text of `paths` at that head. */
  async read(paths: string[]): Promise<StoreSnapshot> {
    for (const p of paths) if (!PATH.test(p)) throw new Error(`not a store path: ${p}`)
    const files = new Map<string, string | null>()
    const first = paths.slice(0, FILES_PER_QUERY)
    const answer = await this.api.query<{
      repository: { ref: { target: { oid: string } & Files } | null } | null
    }>(
      `query($owner: String!, $name: String!, $ref: String!) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $ref) { target { oid ... on Commit { ${filesSelection(first)} } } }
  }
}`,
      { owner: this.owner, name: this.name, ref: `refs/heads/${this.branch}` }
    )
    if (answer.errors.length > 0 || !answer.data?.repository)
      throw this.refused(`Reading the ledger branch ${this.branch}`, answer, 'read')
    const target = answer.data.repository.ref?.target ?? null
    if (!target) {
      for (const p of paths) files.set(p, null)
      return { head: null, files }
    }
    await this.take(first, target, files)
    for (let i = FILES_PER_QUERY; i < paths.length; i += FILES_PER_QUERY) {
      const batch = paths.slice(i, i + FILES_PER_QUERY)
      const more = await this.api.query<{ repository: { object: Files | null } | null }>(
        `query($owner: String!, $name: String!, $oid: GitObjectID!) {
  repository(owner: $owner, name: $name) { object(oid: $oid) { ... on Commit { ${filesSelection(batch)} } } }
}`,
        { owner: this.owner, name: this.name, oid: target.oid }
      )
      const commit = more.data?.repository?.object
      if (more.errors.length > 0 || !commit)
        throw this.refused(`Reading the ledger branch ${this.branch}`, more, 'read')
      await this.take(batch, commit, files)
    }
    return { head: target.oid, files }
  }

  private async take(paths: string[], commit: Files, files: Map<string, string | null>) {
    for (const [i, path] of paths.entries()) {
      const entry = commit[`f${i}`] as BlobAnswer | null | undefined
      if (!entry) {
        files.set(path, null)
        continue
      }
      const blob = entry.object
      if (!blob || typeof blob.oid !== 'string' || typeof blob.text !== 'string')
        throw new StoreError(`${path} on the ledger branch ${this.branch} is not a text file.`)
      // GitHub cuts text at 512,000 bytes in GraphQL; the REST blob endpoint gives it whole.
      files.set(
        path,
        blob.isTruncated ? await this.api.readBlob(this.repository, blob.oid) : blob.text
      )
    }
  }

  /**
   * Creates the branch as an orphan holding only the README, and says where it points. `exists`
   * when it was there already (another run created it first): read it again.
   */
  async create(): Promise<{ status: 'created'; head: string } | { status: 'exists' }> {
    const what = `Creating the ledger branch ${this.branch} in ${this.repository}`
    try {
      const tree = await this.api.createTree(this.repository, [
        { path: README_PATH, content: STORE_README }
      ])
      const commit = await this.api.createCommit(this.repository, {
        message: 'Start the Moodle XP ledger',
        tree,
        parents: []
      })
      const ref = await this.api.createRef(this.repository, `refs/heads/${this.branch}`, commit)
      return ref === 'created' ? { status: 'created', head: commit } : { status: 'exists' }
    } catch (e) {
      if (!(e instanceof GitHubError)) throw e
      if (e.status === 409)
        throw new StoreError(
          `${what}: the repository has no commit yet (${e.detail}); push a first commit (a README) to it.`
        )
      if (e.status === 403 && !e.rateLimited)
        throw new StoreError(
          `${what}: github-token may not write it (${e.detail}); grant "Contents: write" to the ` +
            'GitHub App or fine-grained token, or add "contents: write" under "permissions:" in the workflow for GITHUB_TOKEN.'
        )
      if (e.status === 404)
        throw new StoreError(`${what}: GitHub cannot find it for github-token (${e.detail}).`)
      throw e
    }
  }

  /**
   * One commit with all `changes`, applied only if the branch still points to `expectedHead`.
   *
   * @throws StoreError when GitHub refuses for lack of access (nothing was written).
   */
  async commit(
    expectedHead: string,
    changes: FileChange[],
    message: { headline: string; body?: string }
  ): Promise<CommitOutcome> {
    for (const c of changes) if (!PATH.test(c.path)) throw new Error(`not a store path: ${c.path}`)
    const input = {
      branch: { repositoryNameWithOwner: this.repository, branchName: this.branch },
      expectedHeadOid: expectedHead,
      message,
      fileChanges: {
        additions: changes
          .filter(c => c.content !== null)
          .map(c => ({
            path: c.path,
            contents: Buffer.from(c.content!, 'utf8').toString('base64')
          })),
        deletions: changes.filter(c => c.content === null).map(c => ({ path: c.path }))
      }
    }
    let answer: GraphQLAnswer<{ createCommitOnBranch: { commit: { oid: string } | null } | null }>
    try {
      answer = await this.api.mutate(
        `mutation($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) { commit { oid } }
}`,
        { input }
      )
    } catch (e) {
      // No answer, or GitHub's timeout answer (502/504): the commit may have been made.
      if (e instanceof GitHubError && (e.status === null || e.status >= 500))
        return { status: 'unknown', detail: e.detail }
      throw e
    }
    const oid = answer.data?.createCommitOnBranch?.commit?.oid
    if (answer.errors.length === 0 && oid) return { status: 'committed', head: oid }
    const type = answer.errors[0]?.type
    if (type === 'STALE_DATA') return { status: 'conflict' }
    if (type === 'NOT_FOUND' || type === 'FORBIDDEN')
      throw this.refused(`Writing the ledger branch ${this.branch}`, answer, 'write')
    return { status: 'unknown', detail: answer.errors[0]?.message ?? 'no commit in the answer' }
  }
}
