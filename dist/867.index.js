export const id = 867;
export const ids = [867];
export const modules = {

/***/ 4867:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  loadRoster: () => (/* binding */ loadRoster)
});

// UNUSED EXPORTS: loadRosterFile, resolveRosterPath

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
var external_node_fs_default = /*#__PURE__*/__webpack_require__.n(external_node_fs_);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/roster/errors.ts
var errors = __webpack_require__(192);
;// CONCATENATED MODULE: ./src/roster/merge.ts
/**
 * Combines the mapping file and the inline `mapping` input. The inline input wins: a file record
 * for the same login (case-insensitive) or the same github_id is dropped, without an error.
 */
function mergeRosters(file, inline) {
    if (!inline)
        return { records: [...(file?.records ?? [])] };
    if (!file)
        return { records: [...inline.records] };
    const logins = new Set();
    const ids = new Set();
    for (const r of inline.records) {
        if (r.github !== null)
            logins.add(r.github.toLowerCase());
        if (r.githubId !== null)
            ids.add(r.githubId);
    }
    const kept = file.records.filter(r => !(r.github !== null && logins.has(r.github.toLowerCase())) &&
        !(r.githubId !== null && ids.has(r.githubId)));
    // Inline first, so it also comes first wherever the first record for a key wins.
    return { records: [...inline.records, ...kept] };
}

// EXTERNAL MODULE: ./node_modules/csv-parse/lib/sync.js + 9 modules
var sync = __webpack_require__(5175);
;// CONCATENATED MODULE: ./src/roster/record.ts

/** Moodle stores user ids in a 10-digit integer column. */
const MAX_MOODLE_ID = 9_999_999_999;
const MOODLE_ID_FIX = "write the student's numeric Moodle user id (Site administration > Users > the user's profile URL id=...)";
const GITHUB_ID_FIX = 'write the student\'s numeric GitHub user id (the "id" at https://api.github.com/users/LOGIN), or leave github_id out';
/** Keys a roster record may use: in a `users:` list, and as CSV columns. */
const RECORD_KEYS = [
    'github',
    'github_id',
    'moodle_id',
    'email',
    'username',
    'idnumber',
    'name'
];
const IDENTITY_FIELDS = ['moodle_id', 'email', 'username', 'idnumber'];
// GitHub logins: letters, digits and hyphens, not starting with a hyphen, at most 39 characters.
// Enterprise Managed Users add `_shortcode`, hence the underscore and the longer limit.
const LOGIN_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const EMU_LOGIN_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}_[A-Za-z0-9]{1,60}$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
function fail(file, line, detail) {
    throw new errors/* RosterError */.Oo(file, line, detail);
}
function validLogin(file, v, label) {
    const t = v.text;
    if (LOGIN_RE.test(t) || EMU_LOGIN_RE.test(t))
        return t;
    if (t.startsWith('@') && LOGIN_RE.test(t.slice(1))) {
        fail(file, v.line, `${label} "${t}" starts with @; write the login without it (${t.slice(1)})`);
    }
    const url = /^(?:https?:\/\/)?(?:www\.)?github\.com\/([A-Za-z0-9-]+)\/?$/i.exec(t);
    if (url)
        fail(file, v.line, `${label} "${t}" is a profile URL; write only the login (${url[1]})`);
    if (/\[bot\]$/i.test(t)) {
        fail(file, v.line, `${label} "${t}" is a bot account; bots never earn XP, so remove this record`);
    }
    if (t.includes('@')) {
        fail(file, v.line, `${label} "${t}" looks like an email address, not a GitHub login; write the student's GitHub login there and the email under email`);
    }
    fail(file, v.line, `${label} "${t}" is not a valid GitHub login; write the login exactly as on the student's GitHub profile (letters, digits and hyphens, at most 39 characters)`);
}
function wholeNumber(text) {
    return /^[0-9]+$/.test(text) ? Number(text) : null;
}
function validMoodleId(file, v, flatLogin) {
    const label = flatLogin === null ? 'moodle_id' : `the Moodle user id for ${flatLogin}`;
    const n = wholeNumber(v.text);
    if (flatLogin !== null && n === null && v.text.includes('@')) {
        fail(file, v.line, `${label} ("${v.text}") is an email address, but the short form "login: id" takes numeric Moodle user ids only; use the users: list form with "github: ${flatLogin}" and "email: ${v.text}"`);
    }
    if (n === null || n < 1)
        fail(file, v.line, `${label} "${v.text}" is not a positive whole number; ${MOODLE_ID_FIX}`);
    if (n > MAX_MOODLE_ID) {
        fail(file, v.line, `${label} "${v.text}" is too large for a Moodle user id (at most 10 digits); ${MOODLE_ID_FIX}`);
    }
    return n;
}
function validGithubId(file, v) {
    const n = wholeNumber(v.text);
    if (n === null || n < 1)
        fail(file, v.line, `github_id "${v.text}" is not a positive whole number; ${GITHUB_ID_FIX}`);
    if (!Number.isSafeInteger(n))
        fail(file, v.line, `github_id "${v.text}" is too large for a GitHub user id; ${GITHUB_ID_FIX}`);
    return n;
}
function validLookup(file, field, v, label = field) {
    if (field === 'email' && !EMAIL_RE.test(v.text)) {
        fail(file, v.line, `${label} "${v.text}" is not an email address; write the email address of the student's Moodle account`);
    }
    if (field === 'username' && /\s/.test(v.text)) {
        fail(file, v.line, `${label} "${v.text}" contains spaces; write the student's Moodle username (Site administration > Users)`);
    }
    return { field, value: v.text };
}
/** Validates one raw record; throws RosterError naming the line and the fix. */
function toRecord(file, raw, classroom) {
    const f = raw.fields;
    const loginLabel = raw.flat ? 'the login' : classroom ? 'github_username' : 'github';
    const github = f.github ? validLogin(file, f.github, loginLabel) : null;
    const githubId = f.github_id ? validGithubId(file, f.github_id) : null;
    if (github === null && githubId === null) {
        fail(file, raw.line, classroom
            ? "the row has neither github_username nor github_id; fill in the student's GitHub login (or delete the row)"
            : "the record has neither github nor github_id; add the student's GitHub login as github");
    }
    const given = IDENTITY_FIELDS.filter(k => f[k] !== undefined);
    if (given.length > 1) {
        fail(file, raw.line, `the record names the Moodle user more than once (${given.join(', ')}); keep only one of moodle_id, email, username, idnumber`);
    }
    let moodleId = null;
    let lookup = null;
    const only = given[0];
    if (only === 'moodle_id' && f.moodle_id) {
        moodleId = validMoodleId(file, f.moodle_id, raw.flat ? github : null);
    }
    else if (only !== undefined && only !== 'moodle_id') {
        const v = f[only];
        if (v)
            lookup = validLookup(file, only, v);
    }
    else if (f.identifier) {
        // Classroom rosters identify students by email or by an institution username.
        const field = f.identifier.text.includes('@') ? 'email' : 'username';
        lookup = validLookup(file, field, f.identifier, 'identifier');
    }
    else {
        fail(file, raw.line, classroom
            ? "the row has no identifier and no moodle_id; fill in the student's email or Moodle username as identifier, or add a moodle_id column"
            : 'the record does not say which Moodle user the student is; add moodle_id (the numeric Moodle user id), or email, username or idnumber to look the student up');
    }
    return { github, githubId, moodleId, lookup, source: { file, line: raw.line } };
}
/** Which Moodle user a record names, comparable across records. */
function moodleKey(r) {
    if (r.moodleId !== null)
        return `id:${r.moodleId}`;
    const l = r.lookup;
    if (!l)
        return 'none';
    // Emails and usernames are case-insensitive in Moodle; idnumbers are not.
    return `${l.field}:${l.field === 'idnumber' ? l.value : l.value.toLowerCase()}`;
}
function describeMoodle(r) {
    return r.moodleId !== null ? `moodle_id ${r.moodleId}` : `${r.lookup?.field} ${r.lookup?.value}`;
}
/**
 * Collects validated records of one source: rejects one login or one github_id mapped to two
 * different Moodle users, and drops repeats of the same person (linear: two hash maps).
 */
class RosterCollector {
    file;
    records = [];
    byLogin = new Map();
    byGithubId = new Map();
    constructor(file) {
        this.file = file;
    }
    add(rec) {
        const login = rec.github?.toLowerCase() ?? null;
        const sameLogin = login === null ? undefined : this.byLogin.get(login);
        const sameId = rec.githubId === null ? undefined : this.byGithubId.get(rec.githubId);
        const key = moodleKey(rec);
        if (sameLogin && moodleKey(sameLogin) !== key) {
            this.conflict(`GitHub login "${rec.github}"`, sameLogin, rec);
        }
        if (sameId && moodleKey(sameId) !== key)
            this.conflict(`github_id ${rec.githubId}`, sameId, rec);
        // Same person and same Moodle user again: keep the first record, completing what it lacks.
        const dup = sameLogin &&
            (sameLogin.githubId === null || rec.githubId === null || sameLogin.githubId === rec.githubId)
            ? sameLogin
            : sameId &&
                (sameId.github === null || login === null || sameId.github.toLowerCase() === login)
                ? sameId
                : undefined;
        if (dup) {
            if (dup.githubId === null && rec.githubId !== null && !sameId) {
                dup.githubId = rec.githubId;
                this.byGithubId.set(rec.githubId, dup);
            }
            if (dup.github === null && rec.github !== null && login !== null && !sameLogin) {
                dup.github = rec.github;
                this.byLogin.set(login, dup);
            }
            return;
        }
        this.records.push(rec);
        if (login !== null && !sameLogin)
            this.byLogin.set(login, rec);
        if (rec.githubId !== null && !sameId)
            this.byGithubId.set(rec.githubId, rec);
    }
    conflict(what, first, second) {
        fail(this.file, second.source.line, `${what} is listed twice with different Moodle users (line ${first.source.line}: ${describeMoodle(first)}; line ${second.source.line}: ${describeMoodle(second)}); keep one record per student`);
    }
}
/** Optimal string alignment distance (Levenshtein plus adjacent swaps), for typo hints. */
function editDistance(a, b) {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const row = d[i];
            const prev = d[i - 1];
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                v = Math.min(v, d[i - 2][j - 2] + 1);
            }
            row[j] = v;
        }
    }
    return d[a.length][b.length];
}
// Names people plausibly write for a known field.
const ALIASES = {
    login: 'github',
    githublogin: 'github',
    githubuser: 'github',
    githubusername: 'github',
    githubuserid: 'github_id',
    moodle: 'moodle_id',
    moodleuser: 'moodle_id',
    moodleuserid: 'moodle_id',
    userid: 'moodle_id',
    mail: 'email',
    emailaddress: 'email',
    idnum: 'idnumber'
};
const squash = (s) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
/** The known name an unknown one was probably meant to be, or null. */
function suggestName(name, known) {
    const s = squash(name);
    const direct = known.find(k => squash(k) === s) ??
        (ALIASES[s] !== undefined && known.includes(ALIASES[s]) ? ALIASES[s] : undefined);
    if (direct)
        return direct;
    let best = null;
    let bestDistance = Infinity;
    for (const k of known) {
        const dist = editDistance(s, squash(k));
        if (dist < bestDistance) {
            best = k;
            bestDistance = dist;
        }
    }
    const limit = s.length >= 5 ? 2 : 1;
    return bestDistance <= limit ? best : null;
}
/** Message for a key or column the roster does not know. */
function unknownNameDetail(kind, name, known) {
    const hint = suggestName(name, known);
    return hint
        ? `unknown ${kind} "${name}"; did you mean "${hint}"? Rename it to ${hint}`
        : `unknown ${kind} "${name}"; use only ${known.join(', ')} (or remove it)`;
}

;// CONCATENATED MODULE: ./src/roster/parse-csv.ts



/** Column names a CSV roster may use (matched case-insensitively). */
const CSV_COLUMNS = [
    ...RECORD_KEYS,
    // GitHub Classroom roster export
    'identifier',
    'github_username'
];
const HEADER_FIX = 'start the file with a header row such as "github,moodle_id" or "github,email" (or use a GitHub Classroom roster export)';
/** Spreadsheets in some locales save with `;` or tabs: follow the header line's separator. */
function sniffDelimiter(text) {
    const first = text.split('\n').find(l => l.trim() !== '') ?? '';
    if (first.includes(','))
        return ',';
    if (first.includes(';'))
        return ';';
    if (first.includes('\t'))
        return '\t';
    return ',';
}
function csvErrorDetail(e) {
    switch (e.code) {
        case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
            return 'this row has a different number of values than the header has columns; give every row one value per column (leave a value empty between the commas)';
        case 'CSV_QUOTE_NOT_CLOSED':
            return 'a quote (") opened on or before this line is never closed; add the closing quote';
        default:
            return `CSV syntax error (${e.message.replace(/ (?:at|on) line \d+.*$/, '')}); fix the quoting on this line: put quotes around a whole value only`;
    }
}
/** Parses a CSV roster: the project's column names, or a GitHub Classroom roster export. */
function parseCsvRoster(text, file) {
    // csv-parse counts a CRLF inside a quoted value as two lines; LF-only keeps line numbers true.
    const source = text.replace(/\r\n?/g, '\n');
    if (source.replace(/^\uFEFF/, '').trim() === '') {
        throw new errors/* RosterError */.Oo(file, 1, `the file is empty; ${HEADER_FIX}`);
    }
    let rows;
    try {
        rows = (0,sync/* parse */.qg)(source, {
            // info: each record comes as { record, info } (csv-parse's typings do not model it)
            bom: true,
            trim: true,
            skip_empty_lines: true,
            skip_records_with_empty_values: true,
            info: true,
            delimiter: sniffDelimiter(source)
        });
    }
    catch (e) {
        if (e instanceof sync/* CsvError */.J$) {
            const line = typeof e.lines === 'number' && e.lines > 0 ? e.lines : 1;
            throw new errors/* RosterError */.Oo(file, line, csvErrorDetail(e));
        }
        throw e;
    }
    // info.lines is where a record ends; values may span lines inside quotes.
    const startLine = (row) => row.info.lines - row.record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    const header = rows[0];
    if (!header)
        throw new errors/* RosterError */.Oo(file, 1, `the file is empty; ${HEADER_FIX}`);
    const headerLine = startLine(header);
    const names = header.record.map(h => h.toLowerCase());
    const fail = (line, detail) => {
        throw new errors/* RosterError */.Oo(file, line, detail);
    };
    if (!names.some(n => CSV_COLUMNS.includes(n))) {
        fail(headerLine, `the first row is not a header row (no known column name in it); ${HEADER_FIX}`);
    }
    const classroom = names.includes('github_username') || names.includes('identifier');
    const columns = [];
    const seen = new Map();
    header.record.forEach((written, i) => {
        const name = names[i] ?? '';
        if (name === '') {
            columns.push(null); // checked per row: a value under no header is an error
            return;
        }
        if (!CSV_COLUMNS.includes(name))
            fail(headerLine, unknownNameDetail('column', written, CSV_COLUMNS));
        const field = (name === 'github_username' ? 'github' : name);
        const before = seen.get(field);
        if (before !== undefined) {
            fail(headerLine, before === written
                ? `column "${written}" appears twice in the header; keep one`
                : `columns "${before}" and "${written}" both give the GitHub login; keep one`);
        }
        seen.set(field, written);
        columns.push(field);
    });
    const collector = new RosterCollector(file);
    let skipped = 0;
    for (const row of rows.slice(1)) {
        const line = startLine(row);
        const raw = { line, fields: {} };
        row.record.forEach((value, i) => {
            if (value === '')
                return;
            const field = columns[i];
            if (field === null || field === undefined) {
                fail(line, `value "${value}" is in column ${i + 1}, which has no name in the header; name the column or delete the value`);
            }
            raw.fields[field] = { text: value, line };
        });
        // A Classroom roster lists students who have not linked a GitHub account yet: not an error.
        if (classroom && !raw.fields.github && !raw.fields.github_id) {
            skipped++;
            continue;
        }
        collector.add(toRecord(file, raw, classroom));
    }
    if (collector.records.length === 0 && skipped === 0) {
        fail(headerLine, `the file has a header row but no students; add one row per student below it`);
    }
    return { roster: { records: collector.records }, skipped };
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./src/roster/parse-yaml.ts



const SHAPE_FIX = 'write either one "github-login: moodle-user-id" line per student, or a users: list of records (github plus moodle_id, email, username or idnumber)';
const INLINE_FIX = 'write one "github-login: moodle-user-id" per line';
/**
 * Parses a YAML or JSON roster (JSON is YAML 1.2, so one parser gives line numbers for both),
 * or the inline `mapping` input (flat form only).
 */
function parseYamlRoster(text, file, mode) {
    const source = text.replace(/^\uFEFF/, '');
    const empty = { roster: { records: [] }, skipped: 0 };
    const emptyFile = () => {
        throw new errors/* RosterError */.Oo(file, 1, `the file is empty; ${SHAPE_FIX}`);
    };
    if (source.trim() === '')
        return mode === 'inline' ? empty : emptyFile();
    const lc = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(source, { lineCounter: lc, uniqueKeys: false, prettyErrors: true });
    const lineOf = (node, fallback = 1) => (node?.range ? lc.linePos(node.range[0]).line : fallback);
    const err = doc.errors[0];
    if (err) {
        const what = err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? err.code;
        const fix = mode === 'json'
            ? 'fix the JSON (check commas, brackets and quotes)'
            : 'fix the YAML (check indentation, colons and quotes; indent with spaces, not tabs)';
        throw new errors/* RosterError */.Oo(file, err.linePos?.[0].line ?? 1, `${mode === 'json' ? 'JSON' : 'YAML'} syntax error: ${what}; ${fix}`);
    }
    const top = doc.contents;
    if (top === null || ((0,dist/* isScalar */.jn)(top) && (top.value === null || top.value === ''))) {
        if (mode === 'inline')
            return empty;
        throw new errors/* RosterError */.Oo(file, 1, `the file has only comments, no students; ${SHAPE_FIX}`);
    }
    const collector = new RosterCollector(file);
    const fail = (line, detail) => {
        throw new errors/* RosterError */.Oo(file, line, detail);
    };
    /** The text of a scalar as written (numbers keep their source: `007` stays `007`). */
    const scalarText = (node, what, line) => {
        if (!(0,dist/* isScalar */.jn)(node)) {
            return node === null || node === undefined
                ? null
                : fail(lineOf(node, line), `${what} must be a single value, not a list or map; write it on one line`);
        }
        const v = node.value;
        if (v === null || v === undefined)
            return null;
        const t = typeof v === 'string' ? v : (node.source ?? String(v));
        return t.trim() === '' ? null : t.trim();
    };
    const parseUsers = (users, usersLine) => {
        if (users === null || ((0,dist/* isScalar */.jn)(users) && users.value === null))
            return;
        if (!(0,dist/* isSeq */.oP)(users)) {
            fail(lineOf(users, usersLine), 'users must be a list of records; start each student with "- github: LOGIN" on its own line');
        }
        for (const item of users.items) {
            const itemLine = lineOf(item, usersLine);
            if (!(0,dist/* isMap */.jh)(item)) {
                fail(itemLine, 'each entry under users must be a record like "- github: octocat" with moodle_id: 2 on the next line');
            }
            collector.add(toRecord(file, recordFromMap(item, itemLine), false));
        }
    };
    const recordFromMap = (map, line) => {
        const fields = {};
        for (const pair of map.items) {
            const keyLine = lineOf(pair.key, line);
            const name = scalarText(pair.key, 'a key', keyLine);
            if (name === null)
                fail(keyLine, `a key is empty; ${SHAPE_FIX}`);
            if (!RECORD_KEYS.includes(name)) {
                fail(keyLine, unknownNameDetail('key', name, RECORD_KEYS));
            }
            const key = name;
            if (fields[key])
                fail(keyLine, `key "${key}" appears twice in this record; keep one`);
            const text = scalarText(pair.value, key, keyLine);
            if (text !== null)
                fields[key] = { text, line: lineOf(pair.value, keyLine) };
        }
        return { line, fields };
    };
    if ((0,dist/* isMap */.jh)(top)) {
        const usersPair = top.items.find(p => (0,dist/* isScalar */.jn)(p.key) && p.key.value === 'users' && (!(0,dist/* isScalar */.jn)(p.value) || p.value.value === null));
        if (usersPair && mode !== 'inline') {
            for (const p of top.items) {
                if (p !== usersPair) {
                    const k = (0,dist/* isScalar */.jn)(p.key) ? String(p.key.value) : '?';
                    fail(lineOf(p.key), `unknown top-level key "${k}" next to users; put every student in the users list`);
                }
            }
            parseUsers(usersPair.value, lineOf(usersPair.key));
        }
        else {
            for (const pair of top.items) {
                const line = lineOf(pair.key);
                const login = scalarText(pair.key, 'a GitHub login', line);
                if (login === null)
                    fail(line, `a line has no GitHub login before the colon; ${mode === 'inline' ? INLINE_FIX : SHAPE_FIX}`);
                if (pair.value !== null && !(0,dist/* isScalar */.jn)(pair.value)) {
                    fail(line, mode === 'inline'
                        ? `the value for ${login} is a list or map; ${INLINE_FIX}`
                        : `the value for ${login} is a list or map, but the short form is "${login}: <Moodle user id>"; for more fields use a users: list of records`);
                }
                const text = scalarText(pair.value, login, line);
                if (text === null)
                    fail(line, `${login} has no Moodle user id; write "${login}: <Moodle user id>"`);
                const github = { text: login, line };
                const moodleId = { text, line: lineOf(pair.value, line) };
                collector.add(toRecord(file, { line, fields: { github, moodle_id: moodleId }, flat: true }, false));
            }
        }
    }
    else if ((0,dist/* isSeq */.oP)(top) && mode !== 'inline') {
        fail(lineOf(top), mode === 'json'
            ? 'the file is a list; wrap it as {"users": [ ... ]} so each record sits under the users key'
            : 'the file is a list; put it under a users: key (write "users:" on the first line and indent the list below it)');
    }
    else {
        fail(lineOf(top), `the ${mode === 'inline' ? 'input' : 'file'} is not a map of students; ${mode === 'inline' ? INLINE_FIX : SHAPE_FIX}`);
    }
    if (collector.records.length === 0 && mode !== 'inline') {
        fail(1, `the file has no students; ${SHAPE_FIX}`);
    }
    return { roster: { records: collector.records }, skipped: 0 };
}

;// CONCATENATED MODULE: ./src/roster/parse.ts





const FORMATS = {
    '.yml': 'yaml',
    '.yaml': 'yaml',
    '.json': 'json',
    '.csv': 'csv'
};
/** The format a roster file is read in, from its extension. */
function rosterFormat(file) {
    const format = FORMATS[external_node_path_default().extname(file).toLowerCase()];
    if (!format) {
        throw new errors/* RosterPathError */.N8(`input mapping-file "${file}" has an unsupported extension; name the file .yml, .yaml, .json or .csv (the format follows the extension)`);
    }
    return format;
}
/**
 * Parses and validates a roster file's text. `file` (workspace-relative) names the format by its
 * extension and appears in errors. Throws RosterError (file, line, fix) or RosterPathError.
 */
function parseRoster(text, file) {
    const format = rosterFormat(file);
    return format === 'csv' ? parseCsvRoster(text, file) : parseYamlRoster(text, file, format);
}
/** Parses the inline `mapping` input: `github-login: moodle-user-id` lines, `#` comments. */
function parseInlineMapping(text) {
    return parseYamlRoster(text, errors/* INLINE_MAPPING_FILE */.Er, 'inline').roster;
}

;// CONCATENATED MODULE: ./src/roster/load.ts





const EXAMPLE = '.github/moodle-users.yml';
function isInside(root, target) {
    const rel = external_node_path_default().relative(root, target);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${(external_node_path_default()).sep}`) && !external_node_path_default().isAbsolute(rel);
}
function lexicalPath(workspace, input) {
    const trimmed = input.trim();
    if (trimmed === '') {
        throw new errors/* RosterPathError */.N8(`input mapping-file is empty; name the roster file relative to the repository root, e.g. ${EXAMPLE}`);
    }
    if (trimmed.includes('\0'))
        throw new errors/* RosterPathError */.N8('input mapping-file contains a NUL character; write a plain path');
    const ws = external_node_path_default().resolve(workspace);
    const abs = external_node_path_default().resolve(ws, trimmed);
    if (abs === ws) {
        throw new errors/* RosterPathError */.N8(`input mapping-file "${trimmed}" names the workspace folder itself; name the roster file, e.g. ${EXAMPLE}`);
    }
    if (!isInside(ws, abs)) {
        throw new errors/* RosterPathError */.N8(`input mapping-file "${trimmed}" points outside the workspace (${ws}); write a path inside the repository, relative to its root, e.g. ${EXAMPLE}`);
    }
    return { abs, rel: external_node_path_default().relative(ws, abs).split((external_node_path_default()).sep).join('/') };
}
/**
 * The real path of the roster file named by the `mapping-file` input. It must stay inside the
 * workspace both as written and after following symbolic links (a link committed in a pull
 * request must not read files elsewhere on the runner). Throws RosterPathError.
 */
function resolveRosterPath(workspace, input) {
    const { abs } = lexicalPath(workspace, input);
    const shown = input.trim();
    let realWorkspace;
    try {
        realWorkspace = external_node_fs_default().realpathSync(external_node_path_default().resolve(workspace));
    }
    catch {
        throw new errors/* RosterPathError */.N8(`the workspace ${external_node_path_default().resolve(workspace)} does not exist, so input mapping-file "${shown}" cannot be read; run the action in a job that checks out the repository (actions/checkout)`);
    }
    let real;
    try {
        real = external_node_fs_default().realpathSync(abs);
    }
    catch {
        const dangling = (() => {
            try {
                return external_node_fs_default().lstatSync(abs).isSymbolicLink();
            }
            catch {
                return false;
            }
        })();
        throw new errors/* RosterPathError */.N8(dangling
            ? `input mapping-file "${shown}" is a symbolic link to a file that does not exist; commit the roster file itself at that path`
            : `input mapping-file "${shown}" does not exist in the workspace (${external_node_path_default().resolve(workspace)}); check out the repository before this step with actions/checkout (sparse-checkout: ${shown} is enough), or fix the path`);
    }
    if (!isInside(realWorkspace, real)) {
        throw new errors/* RosterPathError */.N8(`input mapping-file "${shown}" leads outside the workspace through a symbolic link (to ${real}); commit the roster file itself inside the repository and name it directly`);
    }
    if (!external_node_fs_default().statSync(real).isFile()) {
        throw new errors/* RosterPathError */.N8(`input mapping-file "${shown}" is a directory, not a file; name the roster file itself, e.g. ${EXAMPLE}`);
    }
    return real;
}
/**
 * Reads and validates the roster named by the `mapping-file` input. Errors name the file
 * relative to the workspace (as annotations need it). Throws RosterPathError or RosterError.
 */
function loadRosterFile(workspace, input) {
    const { rel } = lexicalPath(workspace, input);
    rosterFormat(rel); // an unsupported extension is reported before anything is read
    const real = resolveRosterPath(workspace, input);
    const bytes = external_node_fs_default().readFileSync(real);
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        throw new errors/* RosterError */.Oo(rel, 1, 'the file is saved as UTF-16; save it as UTF-8 (in Excel: "CSV UTF-8")');
    }
    return parseRoster(bytes.toString('utf8'), rel);
}
/**
 * The roster from the `mapping-file` and `mapping` inputs (inline wins on conflict), or null
 * when neither is set. Logs how many Classroom rows were skipped as not yet linked.
 */
function loadRoster(settings, workspace, log) {
    if (settings.mappingFile === null && settings.mapping === null)
        return null;
    let file = null;
    if (settings.mappingFile !== null) {
        const { roster, skipped } = loadRosterFile(workspace, settings.mappingFile);
        file = roster;
        log.info(`Mapping file ${settings.mappingFile}: ${roster.records.length} student(s)`);
        if (skipped > 0) {
            log.info(`Mapping file ${settings.mappingFile}: skipped ${skipped} row(s) without a GitHub username (students who have not joined the GitHub Classroom yet)`);
        }
    }
    const inline = settings.mapping === null ? null : parseInlineMapping(settings.mapping);
    return mergeRosters(file, inline);
}


/***/ })

};
